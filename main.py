"""Starts Broadsheet's reader window (``python main.py --help`` for its options).

The command line is the ``broadsheet`` command (``reader.cli``).
"""

from ui.app import run

if __name__ == "__main__":
    run()
