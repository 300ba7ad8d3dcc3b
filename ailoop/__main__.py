"""``python -m ailoop``: the command line (see :mod:`ailoop.cli`)."""

import sys

from ailoop.cli import main

if __name__ == "__main__":
    sys.exit(main())
