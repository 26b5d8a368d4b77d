"""Starts Broadsheet's reader window (``python main.py --help`` for its options).

The command line is the ``broadsheet`` command (``reader.cli``).
"""

if __name__ == "__main__":
    # Imported here, not above: a large sync's worker processes re-import this file, and have
    # no use for Qt.
    from ui.app import run

    run()
