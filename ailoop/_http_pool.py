"""HTTP connections for every calling thread: a bounded pool, call deadlines, cutting on close.

``requests.Session`` is not guaranteed to be thread-safe (psf/requests#2766), so a Session
is never shared by two calls at once: :class:`SessionPool` holds at most ``pool_maxsize``
Sessions of one connection each, and every call checks one out for its duration (waiting,
within its deadline, while all are busy). So a client never holds more than
``pool_maxsize`` sockets, however many threads call it, and keeps nothing for threads that
ended. Checking out costs one lock round trip; the Sessions and their connections are
reused, most recently used first.

``requests``' timeout bounds each socket read, not a call: a server that trickles its
headers or body a byte at a time keeps every read within it. Inside a :class:`CallScope`,
the responses of these Sessions read their socket through :class:`_DeadlineReader`, which
bounds each read by what is left of the call's deadline (within 10 ms) and fails once it
has passed. The scope also records the socket so that :meth:`SessionPool.close` can shut it
down, waking a thread blocked reading an answer at once. (A TCP connect in progress is
bounded by the timeout alone: the socket is not ours until it is connected.)

A call that fails (an error leaves its block, or the call discards an answer it cannot
use, such as a 5xx) closes its sockets and its Session at once instead of giving them
back, so an error kept by the caller never holds a descriptor open.
"""

import contextlib
import http.client
import io
import socket
import threading
import time
from typing import Any, Dict, List, Optional, Set, Type

import requests
import requests.adapters

from ailoop._connection import ConnectionSettings
from ailoop.exceptions import ClientClosedError, TimeoutError

__all__ = ["CallScope", "SessionPool"]

_DEADLINE_SLACK = 0.01
"""A read's socket timeout is set again unless it already ends the read between the
call's deadline and this many seconds after it (urllib3 sets it to the call's timeout
just before the answer is read, so the first read usually keeps it)."""

_current = threading.local()
"""``_current.scope``: the :class:`CallScope` of the call running in this thread, if any."""


class CallScope:
    """One call's deadline (``time.monotonic()``) and the sockets it reads from."""

    __slots__ = ("_pool", "deadline", "sockets")

    def __init__(self, pool: "SessionPool", deadline: float) -> None:
        self._pool = pool
        self.deadline = deadline
        self.sockets: List[socket.socket] = []

    def track(self, sock: socket.socket) -> None:
        """Record ``sock`` (cut by :meth:`SessionPool.close` until the scope ends)."""
        self.sockets.append(sock)
        self._pool._track(sock)


class _Lease:
    """The context manager :meth:`SessionPool.session` returns (a class, not a
    generator: it is entered on every REST call).
    """

    __slots__ = ("_discard", "_pool", "_scope", "_session")

    def __init__(self, pool: "SessionPool", session: requests.Session, deadline: float) -> None:
        self._pool = pool
        self._session = session
        self._scope = CallScope(pool, deadline)
        self._discard = False

    def discard(self) -> None:
        """Close this call's connection when it ends instead of pooling it (a failed
        answer read whole, such as a 5xx)."""
        self._discard = True

    def __enter__(self) -> requests.Session:
        _current.scope = self._scope
        return self._session

    def __exit__(self, exc_type: Optional[type], *exc_info: object) -> None:
        _current.scope = None
        self._pool._release(
            self._session, self._scope, failed=self._discard or exc_type is not None
        )


class SessionPool:
    """At most ``settings.pool_maxsize`` Sessions, each used by one call at a time."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._condition = threading.Condition(self._lock)  # a Session came back
        self._waiting = 0  # calls waiting for one
        self._idle: List[requests.Session] = []
        self._created = 0
        self._closed = False
        self._live: Set[socket.socket] = set()

    def session(self, deadline: float) -> "_Lease":
        """A Session for one call ending by ``deadline``, as a context manager, and that
        call's scope: answers read within the block honour the deadline and are cut by
        :meth:`close`. Raises :class:`~ailoop.exceptions.TimeoutError` when no Session
        frees up in time, :class:`~ailoop.exceptions.ClientClosedError` after :meth:`close`.
        """
        return _Lease(self, self._checkout(deadline), deadline)

    def _release(self, session: requests.Session, scope: CallScope, failed: bool) -> None:
        """The end of a call: forget its sockets and give its Session back (one lock
        round trip). After a failed call, or after :meth:`close`, close them instead.
        """
        with self._lock:
            if scope.sockets:
                self._live.difference_update(scope.sockets)
            closed = self._closed
            if failed and not closed:
                self._created -= 1  # a waiting call may make a fresh Session
            elif not closed:
                self._idle.append(session)
            if self._waiting and not closed:
                self._condition.notify()
        if failed or closed:
            # Nothing will reuse this connection, and an error raised from this call
            # (kept in a traceback, a log record or a connection event, or caught in a
            # reference cycle) must not keep its descriptor open until garbage collection.
            for sock in scope.sockets:
                sock.close()
            session.close()

    def close(self) -> None:
        """Shut down the sockets of calls in flight (they fail at once), close the idle
        Sessions, and close the others as their calls end; idempotent.
        """
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            live = list(self._live)
            self._condition.notify_all()
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for session in idle:
            session.close()

    def _checkout(self, deadline: float) -> requests.Session:
        with self._lock:
            while True:
                if self._closed:
                    raise ClientClosedError("the client is closed")
                if self._idle:
                    return self._idle.pop()
                if self._created < self._settings.pool_maxsize:
                    self._created += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        "no HTTP connection became free in time: all "
                        f"pool_maxsize={self._settings.pool_maxsize} are busy"
                    )
                self._waiting += 1
                try:
                    self._condition.wait(remaining)
                finally:
                    self._waiting -= 1
        return self._new_session()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                self._live.add(sock)
        if closed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _new_session(self) -> requests.Session:
        settings = self._settings
        session = requests.Session()
        session.trust_env = False
        session.headers.update(settings.headers)
        # Without TLS (an http:// server, no https:// proxy) verify has no effect, and a
        # CA bundle path would cost requests a stat() per call to tell file from folder.
        session.verify = settings.verify if _uses_tls(settings) else True
        session.proxies.update(settings.proxies)
        adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=1)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session


def _uses_tls(settings: ConnectionSettings) -> bool:
    """True when a call may make a TLS connection: to the server or to a proxy."""
    return settings.server.secure or any(
        url.lower().startswith("https:") for url in settings.proxies.values()
    )


class _DeadlineReader(io.RawIOBase):
    """A socket's raw reader whose every read ends by the call's deadline."""

    def __init__(self, raw: Any, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._raw = raw
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> Optional[int]:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("the call's deadline passed")
        current = self._sock.gettimeout()
        if current is None or not remaining <= current <= remaining + _DEADLINE_SLACK:
            self._sock.settimeout(remaining)  # a system call: only when it matters
        result: Optional[int] = self._raw.readinto(buffer)
        return result

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """``http.client`` response reading through a :class:`_DeadlineReader` in a scope."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        scope: Optional[CallScope] = getattr(_current, "scope", None)
        if scope is None:
            return
        scope.track(sock)
        raw = self.fp.detach()
        self.fp = io.BufferedReader(_DeadlineReader(raw, sock, scope.deadline))


_POOL_CLASSES: Dict[type, type] = {}


def _deadline_pool(pool_class: Type[Any]) -> Type[Any]:
    """``pool_class`` whose connections answer with :class:`_DeadlineResponse`."""
    derived = _POOL_CLASSES.get(pool_class)
    if derived is None:
        connection_class = pool_class.ConnectionCls
        connection = type(
            connection_class.__name__, (connection_class,), {"response_class": _DeadlineResponse}
        )
        derived = type(pool_class.__name__, (pool_class,), {"ConnectionCls": connection})
        _POOL_CLASSES[pool_class] = derived
    return derived


def _install(manager: Any) -> Any:
    classes = manager.pool_classes_by_scheme
    manager.pool_classes_by_scheme = {
        scheme: cls if cls in _POOL_CLASSES.values() else _deadline_pool(cls)
        for scheme, cls in classes.items()
    }
    return manager


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """``HTTPAdapter`` whose pools (proxied ones included) read through call deadlines."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _install(self.poolmanager)

    def proxy_manager_for(self, proxy: Any, **proxy_kwargs: Any) -> Any:
        return _install(super().proxy_manager_for(proxy, **proxy_kwargs))
