"""How to reach the server, shared by REST and WebSocket: headers, TLS, proxies.

Everything that ``requests`` would otherwise look up in the environment on every call
(``trust_env``: proxies, CA bundle variables) is resolved once here, so that REST calls
stay cheap and WebSocket connections use the same CA bundle and the same proxy. When the
environment named no proxy for the server, websocket-client still consults the same
variables (``http_proxy``/``https_proxy``, ``no_proxy``) at each connection.
"""

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional, Union

import requests.utils

from ailoop._urls import ServerURL

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DEFAULT_POOL_MAXSIZE",
    "ConnectionSettings",
    "Verify",
]

Verify = Union[bool, str]
"""``True`` (verify with the default CA bundle), ``False`` (no verification) or a CA path."""

DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024
"""Default cap on one REST body or WebSocket message (128 MiB): twice the largest WebSocket
message the server relays (64 MiB), and a full 1,000-message history page of messages of
up to about 128 KB each."""
DEFAULT_POOL_MAXSIZE = 10
"""Default number of HTTP connections a client keeps for all its calling threads."""

_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclass(frozen=True)
class ConnectionSettings:
    """Resolved connection settings for one client (immutable, safe to share).

    ``max_message_bytes`` caps one REST body or WebSocket message; ``pool_maxsize`` bounds
    the HTTP connections shared by all calling threads.
    """

    server: ServerURL
    timeout: float
    headers: Mapping[str, str] = field(repr=False)
    verify: Verify
    proxies: Mapping[str, str] = field(default_factory=dict, repr=False)
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    pool_maxsize: int = DEFAULT_POOL_MAXSIZE

    @classmethod
    def build(
        cls,
        server: ServerURL,
        *,
        timeout: float,
        token: Optional[str],
        verify: Verify,
        user_agent: str,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        pool_maxsize: int = DEFAULT_POOL_MAXSIZE,
    ) -> "ConnectionSettings":
        """Resolve headers, CA bundle and environment proxies once."""
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif server.basic_auth is not None:
            headers["Authorization"] = server.basic_auth
        proxies = {
            scheme: url
            for scheme, url in requests.utils.get_environ_proxies(server.base_url).items()
            if scheme != "no" and url
        }
        return cls(
            server,
            timeout,
            headers,
            _resolve_verify(verify),
            proxies,
            max_message_bytes=max_message_bytes,
            pool_maxsize=pool_maxsize,
        )


def _resolve_verify(verify: Verify) -> Verify:
    if verify is False:
        return False
    if verify is True:
        for variable in _CA_BUNDLE_VARIABLES:
            path = os.environ.get(variable)
            if path:
                return path
        return requests.utils.DEFAULT_CA_BUNDLE_PATH
    return verify
