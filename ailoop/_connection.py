"""How to reach the server, shared by REST and WebSocket: headers, TLS, proxies.

Everything that ``requests`` would otherwise look up in the environment on every call
(``trust_env``: proxies, CA bundle variables) is resolved once here, so that REST calls
stay cheap and WebSocket connections use the same CA bundle and the same proxy. When the
environment named no proxy for the server, websocket-client still consults the same
variables (``http_proxy``/``https_proxy``, ``no_proxy``) at each connection.
"""

import logging
import os
import ssl
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

import requests.utils

from ailoop._urls import ServerURL

__all__ = ["ConnectionSettings", "Verify"]

logger = logging.getLogger("ailoop.connection")

Verify = Union[bool, str]
"""``True`` (verify with the default CA bundle), ``False`` (no verification) or a CA path."""

_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_MATCHES_NO_HOST = "no-proxy-exceptions.invalid"


@dataclass(frozen=True)
class ConnectionSettings:
    """Resolved connection settings for one client (immutable, safe to share)."""

    server: ServerURL
    timeout: float
    headers: Mapping[str, str] = field(repr=False)
    verify: Verify
    proxies: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        server: ServerURL,
        *,
        timeout: float,
        token: Optional[str],
        verify: Verify,
        user_agent: str,
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
        return cls(server, timeout, headers, _resolve_verify(verify), proxies)

    def websocket_options(self) -> Dict[str, Any]:
        """Keyword arguments for ``websocket.create_connection`` matching the REST settings."""
        options: Dict[str, Any] = {
            "header": [f"{name}: {value}" for name, value in self.headers.items()],
            "sslopt": self._sslopt(),
            "skip_utf8_validation": True,
        }
        proxy = self._websocket_proxy()
        if proxy is not None:
            proxy_type, host, port, auth = proxy
            options.update(
                http_proxy_host=host,
                http_proxy_port=port,
                http_proxy_auth=auth,
                proxy_type=proxy_type,
                # NO_PROXY was already applied in build(); a list that matches no host
                # keeps websocket-client from deciding again with its own defaults
                # (releases before 1.9 never proxy localhost and 127.0.0.1).
                http_no_proxy=[_MATCHES_NO_HOST],
            )
        return options

    def _sslopt(self) -> Dict[str, Any]:
        if self.verify is False:
            return {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
        path = str(self.verify)
        if os.path.isdir(path):
            return {"cert_reqs": ssl.CERT_REQUIRED, "ca_cert_path": path}
        return {"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": path}

    def _websocket_proxy(self) -> Optional[Tuple[str, str, int, Optional[Tuple[str, str]]]]:
        url = self.proxies.get("https" if self.server.secure else "http") or self.proxies.get("all")
        if not url:
            return None
        if "://" not in url:
            url = "http://" + url
        parts = urlsplit(url)
        if not parts.hostname:
            return None
        proxy_type = parts.scheme.lower()
        if proxy_type == "https":
            proxy_type = "http"
        auth = None
        if parts.username is not None:
            auth = (unquote(parts.username), unquote(parts.password or ""))
        port = parts.port or (1080 if proxy_type.startswith("socks") else 8080)
        return proxy_type, parts.hostname, port, auth


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
