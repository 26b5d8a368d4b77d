"""``python -m bench --articles N [--out PATH]``: run the benchmark (see bench/run.py)."""

import sys

from bench.run import main

if __name__ == "__main__":  # sync's worker processes re-import the main module
    sys.exit(main())
