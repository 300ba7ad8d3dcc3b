"""Which protocol era a server speaks (PROTOCOL.md §8.10), detected once per client.

* health ``version`` major 0 → :attr:`Era.V0` (``question`` prompts);
* ``GET /api/v1/pending`` answering 200, or 404 with a JSON body → :attr:`Era.V1`
  (``decision`` prompts, v1.0.4 and later);
* anything else on a 1.x server → :attr:`Era.UNSETTLED` (the warp-era v1.0.0-v1.0.3, which
  all report ``1.0.0``): the first prompt that needs the era tries ``decision`` and falls
  back to ``question`` when no echo comes, and its echo settles the era.

Two-port servers (before v0.1.41: WebSocket on the port, REST on port+1) are recognised
and refused with a clear error. Plain REST calls never trigger detection; only prompts
whose wire form depends on the era, and ``check_version_compatibility``.
"""

import dataclasses
import enum
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from ailoop._http import HttpTransport, is_no_http_answer, malformed_response
from ailoop.exceptions import AiloopError, ConnectionError

__all__ = ["Compatibility", "Era", "EraDetector", "parse_version"]

logger = logging.getLogger("ailoop.era")

FIRST_SINGLE_PORT = (0, 1, 41)
"""The first release serving REST and WebSocket on one port."""


class Era(enum.Enum):
    """A protocol era as far as prompts are concerned."""

    V0 = "v0"
    V1 = "v1"
    UNSETTLED = "v1.0.0-v1.0.3"


@dataclass(frozen=True)
class Compatibility:
    """What ``check_version_compatibility`` reports about the server."""

    health: Dict[str, Any]
    server_version: Optional[str]
    era: Optional[Era]
    supported: bool


def parse_version(text: Any) -> Optional[Tuple[int, int, int]]:
    """``"1.0.0"`` → ``(1, 0, 0)``; ``None`` for anything that is not ``X.Y.Z...``."""
    if not isinstance(text, str):
        return None
    match = re.match(r"\s*v?(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


class EraDetector:
    """Detects and caches the era of one server; safe to call from many threads."""

    def __init__(self, transport: HttpTransport, forced: Optional[Era]) -> None:
        self._transport = transport
        self._forced = forced
        self._era = forced
        self._lock = threading.Lock()

    @property
    def known(self) -> Optional[Era]:
        """The cached era, or ``None`` before detection."""
        return self._era

    def era(self) -> Era:
        """The server's era, probing it over REST on first use.

        Raises :class:`~ailoop.exceptions.ConnectionError` for an unsupported (two-port)
        server, and the usual REST errors when the server cannot be asked.
        """
        era = self._era
        if era is not None:
            return era
        with self._lock:
            if self._era is None:
                report = self._probe()
                if report.era is None:
                    raise _unsupported(report, self._transport.server.display)
                self._era = report.era
            return self._era

    def settle(self, era: Era) -> None:
        """Record what an echoed prompt proved (only replaces an unsettled guess)."""
        with self._lock:
            if self._forced is None and self._era in (None, Era.UNSETTLED):
                if self._era is not era:
                    logger.info("server protocol settled as %s", era.value)
                self._era = era

    def check(self) -> Compatibility:
        """Fetch health, detect the era if still unknown, and report compatibility."""
        with self._lock:
            report = self._probe(skip_era=self._era is not None)
            if report.supported and report.era is not None and self._era is None:
                self._era = report.era
            if self._era is not None and report.supported:
                report = dataclasses.replace(report, era=self._era)
            return report

    def _probe(self, skip_era: bool = False) -> Compatibility:
        health = self._health()
        raw_version = health.get("version")
        version = parse_version(raw_version)
        server_version = raw_version if isinstance(raw_version, str) else None
        if version is None:
            logger.warning("the server reports no usable version (%r)", raw_version)
            return Compatibility(health, server_version, None, False)
        if version < FIRST_SINGLE_PORT:
            return Compatibility(health, server_version, None, False)
        supported = version[0] <= 1
        if skip_era or self._forced is not None:
            return Compatibility(health, server_version, self._era or self._forced, supported)
        if version[0] == 0:
            return Compatibility(health, server_version, Era.V0, supported)
        if not supported:
            logger.warning(
                "server version %s is newer than this client knows; assuming the v1 protocol",
                raw_version,
            )
        return Compatibility(health, server_version, self._era_from_pending_route(), supported)

    def _health(self) -> Dict[str, Any]:
        try:
            health = self._transport.request("GET", "/api/v1/health")
        except ConnectionError as exc:
            if is_no_http_answer(exc):
                self._refuse_two_port_server(exc)
            raise
        if not isinstance(health, dict):
            raise malformed_response(
                self._transport.server,
                "a health document that is not an ailoop one",
                "GET",
                "/api/v1/health",
            )
        return health

    def _era_from_pending_route(self) -> Era:
        result = self._transport.fetch("GET", "/api/v1/pending")
        if result.status == 200 or (result.status == 404 and result.is_json):
            return Era.V1
        logger.info(
            "GET /api/v1/pending answered %d: a v1.0.0-v1.0.3 server; the first prompt "
            "settles decision versus question",
            result.status,
        )
        return Era.UNSETTLED

    def _refuse_two_port_server(self, cause: AiloopError) -> None:
        server = self._transport.server
        neighbour = self._transport.on_port(server.port + 1)
        try:
            health = neighbour.request("GET", "/api/v1/health")
        except AiloopError:
            return
        finally:
            neighbour.close()
        if isinstance(health, dict) and "version" in health:
            raise ConnectionError(
                f"{server.origin} is a two-port ailoop server (version "
                f"{health.get('version')}, REST on port {server.port + 1}); ailoop-py "
                "supports single-port servers (v0.1.41 and later) only: upgrade the server",
                method="GET",
                path=server.api_path("/api/v1/health"),
            ) from cause


def _unsupported(report: Compatibility, server: str) -> AiloopError:
    version = report.server_version
    parsed = parse_version(version)
    if parsed is not None and parsed < FIRST_SINGLE_PORT:
        return ConnectionError(
            f"{server} runs version {version}, a two-port ailoop server (REST on this port, "
            "WebSocket on the port below); ailoop-py supports single-port servers "
            "(v0.1.41 and later) only: upgrade the server"
        )
    return ConnectionError(
        f"{server} reports version {version!r}, which ailoop-py cannot place in a "
        "protocol era; pass protocol='v0' or protocol='v1' to AiloopClient"
    )
