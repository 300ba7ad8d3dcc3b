"""``python -m bench``: run every benchmark and regenerate ``BENCHMARKS.md``."""

import sys

from bench.run import main

sys.exit(main())
