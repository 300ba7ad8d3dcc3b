"""The server address: parsing, base path, REST and WebSocket URLs, credential redaction.

``AiloopClient(server_url=...)`` accepts ``http(s)://host[:port][/base/path]`` (``ws`` and
``wss`` are read as ``http`` and ``https``). Credentials written into the URL
(``https://user:secret@host``) are taken out of it: they travel as an HTTP Basic
``Authorization`` header (for a reverse proxy in front of the server) and never appear in
a URL we log, print or put in an error.

Everything between ``://`` and the *last* ``@`` of the URL is the ``user:password`` part,
whatever characters it holds (``/``, ``?``, ``#`` and ``@`` included; percent-escapes are
decoded), so a password is never mistaken for a host, port or path. An ``@`` in a base
path must therefore be written ``%40``.
"""

import base64
import ipaddress
from dataclasses import dataclass
from typing import Optional, Tuple
from urllib.parse import quote, unquote, urlsplit

from ailoop.exceptions import ValidationError

__all__ = ["ServerURL", "parse_server_url", "quote_segment", "redact_url"]

_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ServerURL:
    """A parsed server address; ``base_path`` is ``""`` or ``/prefix`` (no trailing slash)."""

    scheme: str
    host: str
    port: int
    base_path: str
    basic_auth: Optional[str] = None

    @property
    def secure(self) -> bool:
        """True for ``https`` (REST) / ``wss`` (WebSocket)."""
        return self.scheme == "https"

    @property
    def netloc(self) -> str:
        """``host:port`` with IPv6 hosts in brackets and default ports left out."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` without credentials or path."""
        return f"{self.scheme}://{self.netloc}"

    @property
    def base_url(self) -> str:
        """The REST root: origin plus base path, no trailing slash, no credentials."""
        return self.origin + self.base_path

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint ``ws(s)://host:port{base}/`` (the trailing slash matters)."""
        scheme = "wss" if self.secure else "ws"
        return f"{scheme}://{self.netloc}{self.base_path}/"

    def api_path(self, path: str) -> str:
        """The request path for an API route: base path + ``path`` (which starts with ``/``)."""
        return self.base_path + path

    def api_url(self, path: str) -> str:
        """The full URL of an API route."""
        return self.origin + self.api_path(path)

    def with_port(self, port: int) -> "ServerURL":
        """The same address on another port (used to recognise two-port servers)."""
        return ServerURL(self.scheme, self.host, port, self.base_path, self.basic_auth)

    @property
    def display(self) -> str:
        """``scheme://host:port{base}`` with the port always written: how errors name the
        server (never with credentials).
        """
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.base_path}"

    def __str__(self) -> str:
        return self.base_url

    def __repr__(self) -> str:
        return f"ServerURL({self.base_url!r})"


def parse_server_url(url: str) -> ServerURL:
    """Parse and check a server URL; raise :class:`ValidationError` for anything unusable."""
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("server_url must be a non-empty string such as http://host:8080")
    text, userinfo = _split_userinfo(url.strip())
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"server_url is not a valid URL: {_redact(url)!r} ({exc})") from None
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        raise ValidationError(
            f"server_url must start with http://, https://, ws:// or wss://: {_redact(url)!r}"
        )
    host = parts.hostname
    if not host:
        raise ValidationError(f"server_url has no host: {_redact(url)!r}")
    if parts.query or parts.fragment:
        raise ValidationError(
            f"server_url must not carry a query string or fragment: {_redact(url)!r}"
        )
    _check_host(host, url)
    base_path = _base_path(parts.path, url)
    basic_auth = None
    if userinfo is not None:
        user, _, password = userinfo.partition(":")
        pair = f"{unquote(user)}:{unquote(password)}"
        basic_auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return ServerURL(scheme, host, port or _DEFAULT_PORTS[scheme], base_path, basic_auth)


def quote_segment(value: str) -> str:
    """URL-encode one path segment (``/`` included)."""
    return quote(value, safe="")


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` part (up to the last ``@``) replaced by ``***@``."""
    return _redact(url)


def _redact(text: str) -> str:
    without, userinfo = _split_userinfo(text)
    if userinfo is None:
        return text
    scheme_end = without.find("://") + 3
    return without[:scheme_end] + "***@" + without[scheme_end:]


def _split_userinfo(text: str) -> Tuple[str, Optional[str]]:
    """``(text without its user:password@ part, that part)``; the part runs from ``://``
    to the last ``@`` (None when there is no ``@``)."""
    scheme_end = text.find("://")
    if scheme_end < 0:
        return text, None
    rest = text[scheme_end + 3 :]
    at = rest.rfind("@")
    if at < 0:
        return text, None
    return text[: scheme_end + 3] + rest[at + 1 :], rest[:at]


def _check_host(host: str, text: str) -> None:
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise ValidationError(f"server_url has an invalid host: {_redact(text)!r}") from None
        return
    if any(ch.isspace() or ch in "<>\"'\\" for ch in host):
        raise ValidationError(f"server_url has an invalid host: {_redact(text)!r}")


def _base_path(path: str, text: str) -> str:
    stripped = path.rstrip("/")
    if not stripped:
        return ""
    if "//" in stripped:
        raise ValidationError(f"server_url base path must not contain '//': {_redact(text)!r}")
    if any(ch.isspace() for ch in stripped):
        raise ValidationError(f"server_url base path must not contain spaces: {_redact(text)!r}")
    if stripped == "/api" or stripped.startswith("/api/"):
        raise ValidationError(
            "server_url must be the server root or its base path, not an API route: "
            f"{_redact(text)!r} (drop the /api/... part)"
        )
    return stripped
