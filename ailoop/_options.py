"""The client's settings, validated once into one frozen object.

:meth:`ClientOptions.build` turns the arguments of ``AiloopClient(...)`` into a
:class:`ClientOptions` (or raises :class:`~ailoop.ValidationError` naming the argument),
reading the environment for what was not given. The client builds its parts from it,
and a forked child rebuilds them from the same object: nothing is validated or read
from the environment twice.
"""

import os
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ailoop._connection import (
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_POOL_MAXSIZE,
    ConnectionSettings,
)
from ailoop._era import Era
from ailoop._realtime_settings import StreamSettings
from ailoop._types import HandlerErrorHook
from ailoop._urls import parse_server_url
from ailoop._validation import (
    validate_channel,
    validate_count,
    validate_positive_seconds,
    validate_seconds,
    validate_token,
    validate_verify,
)
from ailoop._version import __version__
from ailoop.exceptions import ValidationError

__all__ = [
    "DEFAULT_ASK_TIMEOUT",
    "DEFAULT_AUTHORIZE_TIMEOUT",
    "DEFAULT_CHANNEL",
    "DEFAULT_SERVER_URL",
    "PROTOCOLS",
    "SERVER_URL_VARIABLE",
    "SERVER_VARIABLE",
    "TOKEN_VARIABLE",
    "ClientOptions",
    "default_server_url",
]

DEFAULT_SERVER_URL = "http://localhost:8080"
"""The last link of the server URL chain (see :func:`default_server_url`)."""

SERVER_URL_VARIABLE = "AILOOP_SERVER_URL"
SERVER_VARIABLE = "AILOOP_SERVER"
"""The variable the real ``ailoop`` command line reads (a URL such as
``http://127.0.0.1:8080``)."""
TOKEN_VARIABLE = "AILOOP_TOKEN"

DEFAULT_CHANNEL = "public"
"""The channel a client uses unless told otherwise."""

DEFAULT_ASK_TIMEOUT = 60
"""Server-side ``timeout_seconds`` of ``ask`` (and ``ailoop-py ask``) unless given."""

DEFAULT_AUTHORIZE_TIMEOUT = 300
"""Server-side ``timeout_seconds`` of ``authorize`` (and ``ailoop-py authorize``) unless
given."""

PROTOCOLS = {"auto": None, "v0": Era.V0, "v1": Era.V1}
"""The ``protocol`` argument's values and the era each one forces (None: detect)."""


def default_server_url() -> Tuple[str, str]:
    """Where the server URL comes from when ``server_url`` is None, and the URL.

    The chain: ``$AILOOP_SERVER_URL``, then ``$AILOOP_SERVER`` (what the real ``ailoop``
    command line reads), then ``http://localhost:8080``; an empty variable counts as
    unset. Returns ``(source, url)``, the source being ``"$NAME"`` or ``"the default"``.
    """
    for variable in (SERVER_URL_VARIABLE, SERVER_VARIABLE):
        value = os.environ.get(variable)
        if value:
            return f"${variable}", value
    return "the default", DEFAULT_SERVER_URL


@dataclass(frozen=True)
class ClientOptions:
    """Everything ``AiloopClient(...)`` was configured with, validated."""

    channel: str
    timeout: float
    echo_timeout: float
    reconnect_attempts: int
    reconnect_delay: float
    protocol: str
    realtime: bool
    connection: ConnectionSettings
    stream: StreamSettings
    max_pending_messages: int
    on_handler_error: Optional[HandlerErrorHook]

    @property
    def forced_era(self) -> Optional[Era]:
        """The era ``protocol`` forces, or None to detect it."""
        return PROTOCOLS[self.protocol]

    @classmethod
    def build(
        cls,
        *,
        server_url: Optional[str],
        channel: Any,
        timeout: Any,
        reconnect_attempts: Any,
        reconnect_delay: Any,
        token: Optional[str],
        protocol: Any,
        verify: Any,
        echo_timeout: Any,
        realtime: Any,
        ping_interval: Any,
        ping_timeout: Any,
        max_pending_messages: Any,
        on_handler_error: Any,
        max_message_bytes: Any = DEFAULT_MAX_MESSAGE_BYTES,
        pool_maxsize: Any = DEFAULT_POOL_MAXSIZE,
    ) -> "ClientOptions":
        """Validate the constructor's arguments; raise :class:`~ailoop.ValidationError`."""
        if server_url is None:
            source, server_url = default_server_url()
            try:
                server = parse_server_url(server_url)
            except ValidationError as exc:
                raise ValidationError(f"{source}: {exc.message}") from None
        else:
            server = parse_server_url(server_url)
        if token is None:
            token = os.environ.get(TOKEN_VARIABLE) or None
        if token is not None and server.basic_auth is not None:
            raise ValidationError(
                "give either credentials in server_url or a token, not both (both would "
                "use the Authorization header)"
            )
        checked_channel = validate_channel(channel)
        checked_timeout = validate_positive_seconds(timeout, "timeout")
        checked_echo_timeout = validate_positive_seconds(echo_timeout, "echo_timeout")
        attempts = validate_count(reconnect_attempts, "reconnect_attempts")
        delay = validate_seconds(reconnect_delay, "reconnect_delay")
        if protocol not in PROTOCOLS:
            raise ValidationError(f"protocol must be 'auto', 'v0' or 'v1', got {protocol!r}")
        connection = ConnectionSettings.build(
            server,
            timeout=checked_timeout,
            token=validate_token(token),
            verify=validate_verify(verify),
            user_agent=f"ailoop-py/{__version__}",
            max_message_bytes=_at_least_one(max_message_bytes, "max_message_bytes"),
            pool_maxsize=_at_least_one(pool_maxsize, "pool_maxsize"),
        )
        if not isinstance(realtime, bool):
            raise ValidationError(f"realtime must be True or False, got {realtime!r}")
        if on_handler_error is not None and not callable(on_handler_error):
            raise ValidationError("on_handler_error must be a callable or None")
        stream = StreamSettings(
            reconnect_attempts=attempts,
            reconnect_delay=delay,
            ping_interval=None
            if ping_interval is None
            else validate_positive_seconds(ping_interval, "ping_interval"),
            ping_timeout=validate_seconds(ping_timeout, "ping_timeout"),
            connect_timeout=checked_timeout,
        )
        pending_limit = validate_count(max_pending_messages, "max_pending_messages")
        if pending_limit < 1:
            raise ValidationError("max_pending_messages must be at least 1")
        return cls(
            channel=checked_channel,
            timeout=checked_timeout,
            echo_timeout=checked_echo_timeout,
            reconnect_attempts=attempts,
            reconnect_delay=delay,
            protocol=protocol,
            realtime=realtime,
            connection=connection,
            stream=stream,
            max_pending_messages=pending_limit,
            on_handler_error=on_handler_error,
        )


def _at_least_one(value: Any, name: str) -> int:
    count = validate_count(value, name)
    if count < 1:
        raise ValidationError(f"{name} must be at least 1, got {value!r}")
    return count
