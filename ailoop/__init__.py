"""ailoop-py: a blocking, threaded Python SDK for the ailoop human-in-the-loop server."""

import logging

__version__ = "0.1.0"

logging.getLogger("ailoop").addHandler(logging.NullHandler())

__all__ = ["__version__"]
