"""Errors raised by ailoop-py.

Every error is an :class:`AiloopError`; the ones that stand for a builtin error also
subclass it, so existing ``except ConnectionError`` / ``except TimeoutError`` /
``except ValueError`` clauses keep working::

    AiloopError
    ├── ConnectionError        (also builtins.ConnectionError)
    │   ├── ServerError        5xx answers, including 503 "server shutting down"
    │   ├── MalformedResponseError  a body that is not JSON or not the document expected
    │   └── MessageTooLargeError    a body or frame above ``max_message_bytes``
    ├── TimeoutError           (also builtins.TimeoutError) .last_response
    ├── ValidationError        (also ValueError) bad arguments, 400/415/422
    │   └── NotFoundError      404 .message_id / .task_id
    ├── AuthenticationError    401 / 403
    ├── DeliveryError          a prompt whose echo never came back
    ├── ClientClosedError      a client used after close()
    └── ApprovalDenied         require_approval: no approval, the function did not run

Every error carries the keyword attributes ``status_code``, ``server_message`` (the
error text the server sent, if any), ``method`` and ``path``; ``str()`` names the
method and path when known, the HTTP status and the server's text.

Tokens never belong in an error: ``path`` is the request path only (never the query
string or the full URL), and the code raising these errors passes data that is already
free of credentials. The names ``ConnectionError`` and ``TimeoutError`` shadow the
builtins inside this module on purpose.
"""

import builtins
from typing import TYPE_CHECKING, Any, List, Optional
from uuid import UUID

from ailoop._public import present_as

if TYPE_CHECKING:
    from ailoop.models import Message

__all__ = [
    "AiloopError",
    "ApprovalDenied",
    "AuthenticationError",
    "ClientClosedError",
    "ConnectionError",
    "DeliveryError",
    "MalformedResponseError",
    "MessageTooLargeError",
    "NotFoundError",
    "ServerError",
    "TimeoutError",
    "ValidationError",
]


class AiloopError(Exception):
    """Base class of every error raised by ailoop-py.

    ``message`` is the human-readable description. The keyword attributes describe the
    HTTP exchange that failed, when there was one: ``status_code`` (the HTTP status),
    ``server_message`` (the server's error text), ``method`` and ``path`` (the request
    path, without query string).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: Optional[int] = None,
        server_message: Optional[str] = None,
        method: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.server_message = server_message
        self.method = method
        self.path = path

    def __str__(self) -> str:
        details: List[str] = []
        request = " ".join(part for part in (self.method, self.path) if part)
        if request:
            details.append(request)
        if self.status_code is not None:
            details.append(f"HTTP {self.status_code}")
        if self.server_message and self.server_message not in self.message:
            details.append(f"server said: {self.server_message!r}")
        if not details:
            return self.message
        return f"{self.message} ({', '.join(details)})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ConnectionError(AiloopError, builtins.ConnectionError):
    """The server could not be reached, or the connection broke (refused, reset, DNS, TLS),
    or it answered with something that is not the ailoop protocol (e.g. a proxy's HTML page).
    """


class ServerError(ConnectionError):
    """The server answered with a 5xx status, including 503 "server shutting down"."""


class MalformedResponseError(ConnectionError):
    """The server answered with a body that cannot be decoded: not JSON, or not the ailoop
    document the request expects (often a sign that ``server_url`` is not an ailoop server).
    """


class MessageTooLargeError(ConnectionError):
    """A REST body or a WebSocket message is larger than the client's ``max_message_bytes``.

    Raised as soon as the size is known (from ``Content-Length``, the frame header or the
    bytes counted so far), before the whole body is held in memory. ``limit`` is the cap
    in bytes.
    """

    def __init__(self, message: str, *, limit: int, **details: Any) -> None:
        super().__init__(message, **details)
        self.limit = limit


class TimeoutError(AiloopError, builtins.TimeoutError):
    """A deadline passed: an HTTP read timeout, or a wait for a human's answer.

    ``last_response`` is the latest non-final response seen for the prompt (for example a
    ``cancelled`` one), if any. A timeout never means approval.
    """

    def __init__(
        self, message: str, *, last_response: "Optional[Message]" = None, **details: Any
    ) -> None:
        super().__init__(message, **details)
        self.last_response = last_response


class ValidationError(AiloopError, ValueError):
    """An argument or a request body is invalid.

    Raised before anything is sent for bad arguments, and for the server's 400/415/422
    answers. Data *from* the server that cannot be decoded raises
    :class:`MalformedResponseError` instead.
    """


class NotFoundError(ValidationError):
    """The server answered 404: the message, task or route does not exist.

    ``message_id`` / ``task_id`` repeat the id the server reported, when it did.
    """

    def __init__(
        self,
        message: str,
        *,
        message_id: Optional[UUID] = None,
        task_id: Optional[UUID] = None,
        **details: Any,
    ) -> None:
        super().__init__(message, **details)
        self.message_id = message_id
        self.task_id = task_id


class AuthenticationError(AiloopError):
    """The server refused the credentials (401 or 403): the token is missing or wrong."""


class DeliveryError(AiloopError):
    """A prompt was not confirmed by the server: its echo did not arrive in time.

    The real server silently drops frames it rejects, so a missing echo is the only sign
    that a prompt never reached a human (or that the server lost it in a restart).
    ``message_id`` is the id of the prompt concerned, when known.
    """

    def __init__(
        self, message: str, *, message_id: Optional[UUID] = None, **details: Any
    ) -> None:
        super().__init__(message, **details)
        self.message_id = message_id


class ClientClosedError(AiloopError):
    """The client was used after ``close()``, or closed while a call was waiting."""


class ApprovalDenied(AiloopError):
    """A call gated by :meth:`~ailoop.AiloopClient.require_approval` was not approved, so
    the function did not run.

    Anything but an ``authorization_approved`` response ends here: a denial, a
    server-side timeout (the server answers it as a denial), the ``wait_timeout``
    deadline, or an answer of another kind. ``action`` is the text the person was
    shown, ``reason`` says in a sentence why the call did not go ahead, and
    ``response`` is the final response (for the deadline: the latest non-final one, if
    any; otherwise None).
    """

    def __init__(
        self,
        message: str,
        *,
        action: str = "",
        reason: str = "",
        response: "Optional[Message]" = None,
        **details: Any,
    ) -> None:
        super().__init__(message, **details)
        self.action = action
        self.reason = reason
        self.response = response


present_as("ailoop", globals(), __all__)
