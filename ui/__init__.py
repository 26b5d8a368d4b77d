"""The Qt shell over ``reader``: widgets and models only, no SQL and no network.

The reader window arrives with issue 5; until then ``main.py`` runs the command line.
"""
