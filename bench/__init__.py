"""Broadsheet's benchmark: ingest, queries and the window on a synthetic archive of N articles."""
