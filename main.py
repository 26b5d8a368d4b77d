"""Starts Broadsheet.

The reader window is not built yet (issue 5); until it is, this runs the command line, so
``python main.py --help`` shows what Broadsheet can do today.
"""

from reader.cli import run

if __name__ == "__main__":
    run()
