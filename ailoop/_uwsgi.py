"""Warn when uWSGI runs this process without Python threads.

uWSGI releases before 2.0.27 start Python without thread support unless an option turns
it on: ``--enable-threads``, or one that needs threads anyway (``--threads N`` and a few
others flagged so in uWSGI's option table). Such a worker holds the interpreter while it
waits for the next request, so the client's background thread (the realtime stream:
pings, reconnection, handlers, answers) runs only while a request is being served.
From 2.0.27 on, uWSGI enables threads itself and ``--enable-threads`` is a no-op.

:func:`warn_if_threads_disabled` runs when the client starts its first background
thread and reads what the embedded ``uwsgi`` module exposes (``version_info`` and the
options in ``uwsgi.opt``); outside uWSGI it does nothing.
"""

import importlib
import logging
import threading
from typing import Any, List, Mapping, Optional, Tuple

__all__ = ["threads_disabled", "warn_if_threads_disabled"]

logger = logging.getLogger("ailoop.uwsgi")

#: The first uWSGI release that enables Python threads whatever the options say.
THREADS_ALWAYS_ON = (2, 0, 27)

#: uWSGI options that turn threads on by themselves (flagged as needing threads).
_THREADING_OPTIONS = frozenset(
    {
        "threads",
        "thread-stacksize",
        "threads-stacksize",
        "thread-stack-size",
        "threads-stack-size",
        "py-tracebacker",
        "py-auto-reload",
        "py-autoreload",
        "python-auto-reload",
        "python-autoreload",
        "py-auto-reload-ignore",
        "gevent",
        "asyncio",
        "tornado",
        "goroutines",
    }
)

#: Values that switch a boolean uWSGI option off (``enable-threads = false`` in an ini).
_OFF_WORDS = frozenset({"false", "off", "no", "0"})

_lock = threading.Lock()
_checked = False


def threads_disabled(version: Optional[Tuple[int, ...]], options: Mapping[str, Any]) -> bool:
    """True when a uWSGI of ``version`` (``None``: unknown) given ``options`` (the
    ``uwsgi.opt`` mapping) runs Python without threads.
    """
    if version is not None and tuple(version[:3]) >= THREADS_ALWAYS_ON:
        return False
    if any(name in options for name in _THREADING_OPTIONS):
        return False
    enable = _occurrences(options.get("enable-threads"))
    return not (enable and _switched_on(enable[-1]))


def warn_if_threads_disabled() -> None:
    """Log one warning per process if uWSGI runs it without Python threads."""
    global _checked  # noqa: PLW0603 - once per process, by design
    with _lock:
        if _checked:
            return
        _checked = True
    try:
        uwsgi = importlib.import_module("uwsgi")
    except ImportError:
        return  # not running under uWSGI
    options = getattr(uwsgi, "opt", None)
    if not isinstance(options, Mapping):
        return
    version = _version(uwsgi)
    if threads_disabled(version, options):
        shown = ".".join(str(part) for part in version[:3]) if version else "of unknown version"
        logger.warning(
            "uWSGI %s runs this process without Python threads: ailoop's background thread "
            "(realtime stream, pings, handlers, answers) runs only while a request is being "
            "served. Start uWSGI with --enable-threads (enable-threads = true in its ini file).",
            shown,
        )


def _version(uwsgi: Any) -> Optional[Tuple[int, ...]]:
    info = getattr(uwsgi, "version_info", None)
    if isinstance(info, tuple) and len(info) >= 3 and all(isinstance(p, int) for p in info[:3]):
        return tuple(info[:3])
    return None


def _occurrences(value: Any) -> List[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _switched_on(value: Any) -> bool:
    if value is True:
        return True
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return isinstance(value, str) and value.strip().lower() not in _OFF_WORDS
