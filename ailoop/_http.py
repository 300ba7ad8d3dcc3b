"""REST transport: one ``requests.Session`` per thread, error mapping, retries for GETs.

``requests.Session`` is not guaranteed to be thread-safe, so every thread that uses a
client gets its own Session (kept in a ``threading.local``); all of them are closed by
:meth:`HttpTransport.close`, and the Session of a thread that ended is closed as soon as
another thread opens its own. Sessions run with ``trust_env=False``: the environment
(proxies, CA bundle) was resolved once in :class:`~ailoop._connection.ConnectionSettings`.

Every failure becomes an :mod:`ailoop.exceptions` error carrying the status, the server's
error text, the method and the path; no ``requests`` exception or ``JSONDecodeError``
escapes, and no header (so no token) is ever logged or quoted.
"""

import dataclasses
import http.client
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Mapping, Optional, Type
from uuid import UUID

import requests

from ailoop._connection import ConnectionSettings
from ailoop._urls import ServerURL, redact_url
from ailoop.exceptions import (
    AiloopError,
    AuthenticationError,
    ClientClosedError,
    ConnectionError,
    NotFoundError,
    ServerError,
    TimeoutError,
    ValidationError,
)

__all__ = [
    "HttpResult",
    "HttpTransport",
    "error_for_status",
    "is_no_http_answer",
    "server_error_text",
    "transport_error",
]

logger = logging.getLogger("ailoop.http")

GET_ATTEMPTS = 3
"""Attempts for an idempotent GET (the first try plus two retries)."""
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_ERROR_TEXT = 300
_NO_HTTP_ANSWER_HINT = (
    "the server closed the connection without an HTTP answer; a two-port ailoop server "
    "(older than v0.1.41, REST on port+1) does this, and those are not supported"
)


@dataclass(frozen=True)
class HttpResult:
    """A raw HTTP answer: status, content type and body bytes."""

    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    @property
    def is_json(self) -> bool:
        """True when the body parses as JSON (whatever the content type says)."""
        try:
            json.loads(self.body)
        except ValueError:
            return False
        return True


class HttpTransport:
    """Blocking REST calls with the client's timeout, headers, TLS and proxy settings."""

    def __init__(self, settings: ConnectionSettings, closed: threading.Event) -> None:
        self._settings = settings
        self._closed = closed
        self._local = threading.local()
        self._sessions: Dict[threading.Thread, requests.Session] = {}
        self._lock = threading.Lock()

    @property
    def server(self) -> ServerURL:
        """The server address this transport talks to."""
        return self._settings.server

    def on_port(self, port: int) -> "HttpTransport":
        """A separate transport with the same settings for another port (close it after use)."""
        settings = dataclasses.replace(self._settings, server=self._settings.server.with_port(port))
        return HttpTransport(settings, threading.Event())

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, str]] = None,
        body: Any = None,
        expect_json: bool = True,
    ) -> Any:
        """Send one request to the API route ``path`` and return the decoded JSON body.

        GETs are retried on transient failures within the timeout budget; other methods
        are sent exactly once. Raises an :mod:`ailoop.exceptions` error for any failure.
        """
        result = self.fetch(method, path, params=params, body=body)
        if result.status >= 300:
            raise error_for_status(result, method, self._settings.server.api_path(path))
        if not expect_json:
            return None
        try:
            return json.loads(result.body)
        except ValueError:
            raise ConnectionError(
                "the server answered with a body that is not JSON; is server_url an "
                f"ailoop server? ({_describe_body(result)})",
                status_code=result.status,
                method=method,
                path=self._settings.server.api_path(path),
            ) from None

    def fetch(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, str]] = None,
        body: Any = None,
    ) -> HttpResult:
        """Send one request and return the raw answer, whatever its status.

        Transport failures (refused, reset, TLS, timeouts) raise; HTTP statuses do not,
        except that GETs retry 502/503/504 before returning the last answer.
        """
        self._check_open()
        full_path = self._settings.server.api_path(path)
        deadline = time.monotonic() + self._settings.timeout
        delays = _retry_delays() if method == "GET" else iter(())
        while True:
            remaining = max(deadline - time.monotonic(), 0.001)
            try:
                result = self._send_once(method, path, params, body, remaining)
            except requests.RequestException as exc:
                if self._closed.is_set():
                    raise ClientClosedError(
                        "the client was closed during the request", method=method, path=full_path
                    ) from None
                error = transport_error(exc, method, full_path)
                if _is_transient(exc) and self._wait_before_retry(delays, deadline):
                    logger.info("%s %s failed (%s); retrying", method, full_path, error.message)
                    continue
                raise error from exc
            if result.status in _RETRY_STATUSES and self._wait_before_retry(delays, deadline):
                logger.info("%s %s answered %d; retrying", method, full_path, result.status)
                continue
            return result

    def close(self) -> None:
        """Close every thread's Session; later calls raise :class:`ClientClosedError`."""
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.close()

    def _send_once(
        self,
        method: str,
        path: str,
        params: Optional[Mapping[str, str]],
        body: Any,
        timeout: float,
    ) -> HttpResult:
        full_path = self._settings.server.api_path(path)
        session = self._session()
        started = time.monotonic()
        response = session.request(
            method,
            self._settings.server.api_url(path),
            params=params,
            json=body,
            timeout=timeout,
            allow_redirects=False,
        )
        content = response.content
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d (%d bytes, %.1f ms)",
                method,
                full_path,
                response.status_code,
                len(content),
                (time.monotonic() - started) * 1000,
            )
        content_type = response.headers.get("Content-Type", "")
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")
            raise ConnectionError(
                "the server answered with a redirect, which ailoop-py does not follow "
                f"(credentials must not travel to another address); point server_url at "
                f"the final address{': ' + _shorten(redact_url(location)) if location else ''}",
                status_code=response.status_code,
                method=method,
                path=full_path,
            )
        return HttpResult(response.status_code, content_type, content)

    def _wait_before_retry(self, delays: Iterator[float], deadline: float) -> bool:
        delay = next(delays, None)
        if delay is None or time.monotonic() + delay >= deadline:
            return False
        if self._closed.wait(delay):
            raise ClientClosedError("the client was closed while waiting to retry")
        return True

    def _session(self) -> requests.Session:
        session: Optional[requests.Session] = getattr(self._local, "session", None)
        if session is not None:
            return session
        with self._lock:
            self._check_open()
            for thread, stale in list(self._sessions.items()):
                if not thread.is_alive():  # its thread ended: free its connections now
                    stale.close()
                    del self._sessions[thread]
            session = requests.Session()
            session.trust_env = False
            session.headers.update(self._settings.headers)
            session.verify = self._settings.verify
            session.proxies.update(self._settings.proxies)
            self._sessions[threading.current_thread()] = session
        self._local.session = session
        return session

    def _check_open(self) -> None:
        if self._closed.is_set():
            raise ClientClosedError("the client is closed")


def _retry_delays() -> Iterator[float]:
    """Full-jitter exponential delays (0.1 s, 0.2 s, ... capped at 2 s) for GET retries."""
    import backoff  # noqa: PLC0415 - it imports asyncio (~10 ms): loaded at the first retry

    waits = backoff.expo(base=2, factor=0.1, max_value=2.0)
    next(waits)  # backoff's generators start with a priming value
    for _ in range(GET_ATTEMPTS - 1):
        yield backoff.full_jitter(next(waits))


def error_for_status(result: HttpResult, method: str, path: str) -> AiloopError:
    """The :mod:`ailoop.exceptions` error for a non-success HTTP answer."""
    status = result.status
    server_text = server_error_text(result)
    error_class: Type[AiloopError]
    if status == 404:
        body = _json_object(result)
        return NotFoundError(
            _status_sentence(status, server_text, "not found"),
            message_id=_uuid_or_none(body.get("message_id")),
            task_id=_uuid_or_none(body.get("task_id")),
            status_code=status,
            server_message=server_text,
            method=method,
            path=path,
        )
    if status in (401, 403):
        error_class = AuthenticationError
        summary = "the server refused the credentials; check the token"
    elif status in (400, 405, 413, 415, 422):
        error_class = ValidationError
        summary = "the server rejected the request"
    elif status >= 500:
        error_class = ServerError
        summary = "the server failed"
    else:
        error_class = AiloopError
        summary = "unexpected HTTP answer"
    return error_class(
        _status_sentence(status, server_text, summary),
        status_code=status,
        server_message=server_text,
        method=method,
        path=path,
    )


def server_error_text(result: HttpResult) -> Optional[str]:
    """The server's error text from a JSON ``{"error": ...}``, plain text or HTML body."""
    if not result.body.strip():
        return None
    body = _json_object(result)
    if isinstance(body.get("error"), str):
        return _shorten(body["error"])
    text = result.text.strip()
    if "html" in result.content_type.lower() or text[:1] == "<":
        return _html_summary(text)
    return _shorten(text)


def transport_error(exc: requests.RequestException, method: str, path: str) -> AiloopError:
    """The :mod:`ailoop.exceptions` error for a ``requests`` failure (no HTTP answer)."""
    reason = _root_reason(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        kind = "connect" if isinstance(exc, requests.exceptions.ConnectTimeout) else "read"
        return TimeoutError(
            f"the request timed out ({kind} timeout: {reason})", method=method, path=path
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return ConnectionError(
            f"TLS failed: {reason}. For a private CA pass verify='/path/to/ca.pem'",
            method=method,
            path=path,
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return ConnectionError(f"the proxy failed: {reason}", method=method, path=path)
    if _no_http_answer(exc):
        return ConnectionError(_NO_HTTP_ANSWER_HINT, method=method, path=path)
    return ConnectionError(f"cannot reach the server: {reason}", method=method, path=path)


def _is_transient(exc: requests.RequestException) -> bool:
    """Connection refused/reset and similar: worth another GET; TLS, proxy, timeouts: not."""
    return isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc,
        (
            requests.exceptions.SSLError,
            requests.exceptions.ProxyError,
            requests.exceptions.Timeout,
        ),
    )


def is_no_http_answer(error: AiloopError) -> bool:
    """True when ``error`` came from a server that closed the connection without answering."""
    cause = error.__cause__
    return cause is not None and _no_http_answer(cause)


def _no_http_answer(exc: BaseException) -> bool:
    return any(
        isinstance(link, (http.client.RemoteDisconnected, http.client.BadStatusLine))
        for link in _chain(exc)
    )


def _root_reason(exc: BaseException) -> str:
    for link in _chain(exc):
        if isinstance(link, OSError) and link.strerror:
            return link.strerror
    innermost = list(_chain(exc))[-1]
    text = str(innermost) or type(innermost).__name__
    # urllib3 reprs name an object address ("<...HTTPConnection object at 0x...>: ...").
    return _shorten(re.sub(r"<[^>]* object at 0x[0-9a-f]+>:?\s*", "", text))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    pending = [exc]
    while pending:
        link = pending.pop(0)
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        for attribute in ("reason", "__cause__", "__context__"):
            nested = getattr(link, attribute, None)
            if isinstance(nested, BaseException):
                pending.append(nested)
        for argument in getattr(link, "args", ()):
            if isinstance(argument, BaseException):
                pending.append(argument)


def _status_sentence(status: int, server_text: Optional[str], summary: str) -> str:
    reason = http.client.responses.get(status, "")
    head = f"HTTP {status} {reason}".strip()
    if server_text:
        return f"{summary}: {head}: {server_text}"
    return f"{summary}: {head}"


def _json_object(result: HttpResult) -> Dict[str, Any]:
    try:
        value = json.loads(result.body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _uuid_or_none(value: Any) -> Optional[UUID]:
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def _html_summary(text: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    if match is None:
        match = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.I | re.S)
    fragment = match.group(1) if match else text
    plain = re.sub(r"<[^>]+>", " ", fragment)
    plain = " ".join(plain.split())
    return _shorten(f"HTML page: {plain}" if plain else "HTML page")


def _describe_body(result: HttpResult) -> str:
    kind = result.content_type or "no content type"
    summary = server_error_text(result)
    return f"{kind}: {summary}" if summary else kind


def _shorten(text: str) -> str:
    text = text.strip()
    if len(text) <= _MAX_ERROR_TEXT:
        return text
    return text[: _MAX_ERROR_TEXT - 3] + "..."
