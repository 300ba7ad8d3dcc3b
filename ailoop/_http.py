"""REST transport: pooled Sessions, whole-call deadlines, capped bodies, error mapping.

Every call borrows a Session from a :class:`~ailoop._http_pool.SessionPool` shared by all
threads (at most ``pool_maxsize`` connections) and ends by its ``timeout`` across all its
I/O, retries of a GET included, however slowly the server answers. Bodies are read as a
stream and refused with :class:`~ailoop.exceptions.MessageTooLargeError` once they pass
``max_message_bytes`` (at once when ``Content-Length`` says so). Redirects are never
followed. Sessions run with ``trust_env=False``: the environment (proxies, CA bundle) was
resolved once in :class:`~ailoop._connection.ConnectionSettings`.

Every failure becomes an :mod:`ailoop.exceptions` error carrying the status, the server's
error text, the method and the path, and naming the server (never its credentials); no
``requests`` exception or ``JSONDecodeError`` escapes, and no header (so no token) is ever
logged or quoted.
"""

import dataclasses
import http.client
import itertools
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple, Type
from uuid import UUID

import requests

from ailoop._connection import ConnectionSettings
from ailoop._http_pool import SessionPool
from ailoop._jitter import jittered_delays
from ailoop._json_bytes import loads_bytes
from ailoop._urls import ServerURL, redact_url
from ailoop.exceptions import (
    AiloopError,
    AuthenticationError,
    ClientClosedError,
    ConnectionError,
    MalformedResponseError,
    MessageTooLargeError,
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
    "malformed_response",
    "server_error_text",
    "transport_error",
]

logger = logging.getLogger("ailoop.http")

GET_ATTEMPTS = 3
"""Attempts for an idempotent GET (the first try plus two retries)."""
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_ERROR_TEXT = 300
_CHUNK_BYTES = 65536
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
        self._pool = SessionPool(settings)

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
    ) -> Any:
        """Send one request to the API route ``path`` and return the decoded JSON body.

        GETs are retried on transient failures within the timeout budget; other methods
        are sent exactly once. Raises an :mod:`ailoop.exceptions` error for any failure
        (:class:`~ailoop.exceptions.MalformedResponseError` for a body that is not JSON).
        """
        result, value = self._fetch(method, path, params, body, decode=True)
        if result.status >= 300:
            raise error_for_status(result, method, path, self._settings.server)
        return value

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
        return self._fetch(method, path, params, body, decode=False)[0]

    def _fetch(
        self,
        method: str,
        path: str,
        params: Optional[Mapping[str, str]],
        body: Any,
        decode: bool,
    ) -> Tuple[HttpResult, Any]:
        """:meth:`fetch`, and with ``decode`` the JSON value of a 2xx body (else None)."""
        self._check_open()
        full_path = self._settings.server.api_path(path)
        deadline = time.monotonic() + self._settings.timeout
        delays: Optional[Iterator[float]] = None  # GET retries, made at the first one
        while True:
            try:
                result, value = self._send_once(
                    method, path, full_path, params=params, body=body, deadline=deadline,
                    decode=decode,
                )
            except requests.RequestException as exc:
                if self._closed.is_set():
                    raise ClientClosedError(
                        "the client was closed during the request", method=method, path=full_path
                    ) from None
                if time.monotonic() >= deadline:
                    raise self._overdue(method, full_path) from exc
                error = transport_error(exc, method, full_path, self._settings.server)
                delays = delays or _retry_delays(method)
                if _is_transient(exc) and self._wait_before_retry(delays, deadline):
                    logger.info("%s %s failed (%s); retrying", method, full_path, error.message)
                    continue
                raise error from exc
            if result.status in _RETRY_STATUSES:
                delays = delays or _retry_delays(method)
                if self._wait_before_retry(delays, deadline):
                    logger.info("%s %s answered %d; retrying", method, full_path, result.status)
                    continue
            return result, value

    def close(self) -> None:
        """Cut the calls in flight and close every connection; later calls raise
        :class:`ClientClosedError`.
        """
        self._pool.close()

    def _send_once(
        self,
        method: str,
        path: str,
        full_path: str,
        *,
        params: Optional[Mapping[str, str]],
        body: Any,
        deadline: float,
        decode: bool,
    ) -> Tuple[HttpResult, Any]:
        server = self._settings.server
        started = time.monotonic()
        lease = self._pool.session(deadline)
        with lease as session:
            # A failure raised in this block closes the connection at once (see
            # SessionPool): a kept error never holds a descriptor open.
            response = session.request(
                method,
                server.api_url(path),
                params=params,
                json=body,
                timeout=max(deadline - started, 0.001),
                allow_redirects=False,
                stream=True,
            )
            with response:
                if 300 <= response.status_code < 400:
                    raise _redirect_error(response, method, full_path, server)
                content = self._read_body(response, method, full_path)
            status = response.status_code
            result = HttpResult(status, response.headers.get("Content-Type", ""), content)
            value = None
            if status >= 500:
                lease.discard()  # a failing server: start afresh
            elif decode and status < 300 and not self._closed.is_set():
                value = self._decode(result, method, path)
        if self._closed.is_set():  # the answer may have been cut short by close()
            raise ClientClosedError(
                "the client was closed during the request", method=method, path=full_path
            )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d (%d bytes, %.1f ms)",
                method,
                full_path,
                status,
                len(content),
                (time.monotonic() - started) * 1000,
            )
        return result, value

    def _decode(self, result: HttpResult, method: str, path: str) -> Any:
        try:
            return loads_bytes(result.body)
        except (ValueError, RecursionError):
            raise malformed_response(
                self._settings.server,
                f"a body that is not JSON ({_describe_body(result)})",
                method,
                path,
                status_code=result.status,
            ) from None

    def _read_body(self, response: requests.Response, method: str, full_path: str) -> bytes:
        """The body, refused once it passes ``max_message_bytes`` (never held whole)."""
        limit = self._settings.max_message_bytes
        headers = response.raw.headers  # urllib3's: a missing header costs no exception
        declared = headers.get("Content-Length", "")
        if declared.isdigit() and "Content-Encoding" not in headers:
            if int(declared) > limit:
                raise self._too_large(int(declared), method, full_path)
            content = response.content  # bounded by the length http.client enforces
            if len(content) != int(declared) and method != "HEAD":
                # urllib3 1.x returns a cut body as if it were whole
                raise requests.exceptions.ChunkedEncodingError(
                    f"the answer ended after {len(content)} of {declared} bytes"
                )
            return content
        chunks = []
        size = 0
        for chunk in response.iter_content(_CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise self._too_large(size, method, full_path)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, size: int, method: str, full_path: str) -> MessageTooLargeError:
        limit = self._settings.max_message_bytes
        return MessageTooLargeError(
            f"{self._settings.server.display} sent a body of at least {size} bytes, more than "
            f"max_message_bytes ({limit})",
            limit=limit,
            method=method,
            path=full_path,
        )

    def _overdue(self, method: str, full_path: str) -> TimeoutError:
        return TimeoutError(
            f"the request to {self._settings.server.display} timed out: no complete answer "
            f"within timeout={self._settings.timeout:g} s",
            method=method,
            path=full_path,
        )

    def _wait_before_retry(self, delays: Iterator[float], deadline: float) -> bool:
        delay = next(delays, None)
        if delay is None or time.monotonic() + delay >= deadline:
            return False
        if self._closed.wait(delay):
            raise ClientClosedError("the client was closed while waiting to retry")
        return True

    def _check_open(self) -> None:
        if self._closed.is_set():
            raise ClientClosedError("the client is closed")


def _retry_delays(method: str) -> Iterator[float]:
    """Full-jitter exponential delays (0.1 s, 0.2 s, ... capped at 2 s) for GET retries;
    none for other methods (sent exactly once).
    """
    if method != "GET":
        return iter(())
    return itertools.islice(jittered_delays(0.1, 2.0), GET_ATTEMPTS - 1)


def error_for_status(
    result: HttpResult, method: str, route: str, server: ServerURL
) -> AiloopError:
    """The :mod:`ailoop.exceptions` error for a non-success HTTP answer to ``route`` (an
    API path without the base path) on ``server``; the errors that stand for a failure of
    the server (5xx, 401/403, other statuses) name it.
    """
    path = server.api_path(route)
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
        summary = f"{server.display} refused the credentials; check the token"
    elif status in (400, 405, 413, 415, 422):
        error_class = ValidationError
        summary = "the server rejected the request"
    elif status >= 500:
        error_class = ServerError
        summary = f"{server.display} failed"
    else:
        error_class = AiloopError
        summary = f"unexpected HTTP answer from {server.display}"
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


def transport_error(
    exc: requests.RequestException, method: str, path: str, server: ServerURL
) -> AiloopError:
    """The :mod:`ailoop.exceptions` error for a ``requests`` failure (no HTTP answer),
    naming ``server`` (scheme, host, port and base path; never credentials).
    """
    reason = _root_reason(exc)
    where = server.display
    if isinstance(exc, requests.exceptions.Timeout):
        kind = "connect" if isinstance(exc, requests.exceptions.ConnectTimeout) else "read"
        return TimeoutError(
            f"the request to {where} timed out ({kind} timeout: {reason})",
            method=method,
            path=path,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return ConnectionError(
            f"TLS failed with {where}: {reason}. For a private CA pass "
            "verify='/path/to/ca.pem'",
            method=method,
            path=path,
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return ConnectionError(f"the proxy failed for {where}: {reason}", method=method, path=path)
    if _no_http_answer(exc):
        return ConnectionError(f"{where}: {_NO_HTTP_ANSWER_HINT}", method=method, path=path)
    return ConnectionError(
        f"cannot reach the server at {where}: {reason}", method=method, path=path
    )


def malformed_response(
    server: ServerURL, what: str, method: str, path: str, **details: Any
) -> MalformedResponseError:
    """The error for an answer that cannot be decoded: ``what`` describes it."""
    return MalformedResponseError(
        f"{server.display} answered with {what}; is server_url an ailoop server?",
        method=method,
        path=server.api_path(path),
        **details,
    )


def _redirect_error(
    response: requests.Response, method: str, full_path: str, server: ServerURL
) -> ConnectionError:
    location = response.headers.get("Location", "")
    return ConnectionError(
        f"{server.display} answered with a redirect, which ailoop-py does not follow "
        "(credentials must not travel to another address); point server_url at the final "
        f"address{': ' + _shorten(redact_url(location)) if location else ''}",
        status_code=response.status_code,
        method=method,
        path=full_path,
    )


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
