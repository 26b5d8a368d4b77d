"""Sync: fetching feeds and web pages and turning them into article drafts."""
