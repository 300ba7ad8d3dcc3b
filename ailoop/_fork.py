"""Fork safety: objects that must start afresh in a forked child.

A process that forks (gunicorn ``--preload``, ``multiprocessing`` with the ``fork``
start method) gives the child copies of the parent's objects but only the forking
thread: the client's network and dispatcher threads do not exist there, its sockets and
pooled HTTP connections are shared with the parent, and a lock some other thread held at
that moment stays locked forever. :func:`track` registers an object whose
``_after_fork_in_child()`` method is then called in every forked child (through
``os.register_at_fork``), so it can drop what it inherited and re-create it lazily. Only
weak references are kept: tracking never keeps a client alive.
"""

import logging
import os
import threading
import weakref
from typing import Protocol

__all__ = ["ForkAware", "track"]

logger = logging.getLogger("ailoop.fork")


class ForkAware(Protocol):
    """An object that knows how to reset itself in a forked child."""

    def _after_fork_in_child(self) -> None:
        """Forget threads, sockets and sessions inherited from the parent."""


class _Registry:
    """The tracked objects; hooked into ``os.register_at_fork`` on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._objects: weakref.WeakSet[ForkAware] = weakref.WeakSet()
        self._hooked = False

    def add(self, obj: ForkAware) -> None:
        with self._lock:
            if not self._hooked and hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=self.reset_in_child)
                self._hooked = True
            self._objects.add(obj)

    def reset_in_child(self) -> None:
        self._lock = threading.Lock()  # another parent thread may have held it at the fork
        for obj in list(self._objects):
            try:
                obj._after_fork_in_child()
            except Exception:
                logger.exception("resetting %r after fork failed", obj)


_registry = _Registry()


def track(obj: ForkAware) -> None:
    """Call ``obj._after_fork_in_child()`` in every child forked from now on."""
    _registry.add(obj)
