"""The Qt shell over ``reader``: widgets, models and the glue that runs core operations off
the GUI thread. No SQL and no network here; every user action is a ``reader.operations`` call.
"""
