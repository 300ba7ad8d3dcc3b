"""Fixtures for the client tests: the stand-in server in both protocol eras, a client bound
to it, and helpers to read what reached the server."""

import json
from typing import Any, Dict, Iterator, List

import pytest

from ailoop.client import AiloopClient
from ailoop.testing import AiloopTestServer

TOKEN = "tok-3f9a-SECRET-77c1"
"""A token value that must never show up in reprs, logs or errors."""


@pytest.fixture(params=["v1", "v0"])
def era(request: pytest.FixtureRequest) -> str:
    """The protocol era the stand-in emulates (v0: ailoop v1.0.0 with ``question``)."""
    return str(request.param)


@pytest.fixture
def server(era: str) -> Iterator[AiloopTestServer]:
    """A fresh stand-in server for the era."""
    with AiloopTestServer(protocol=era) as stand_in:
        yield stand_in


@pytest.fixture
def client(server: AiloopTestServer, era: str) -> Iterator[AiloopClient]:
    """A client for ``server`` told its era (era detection has its own tests)."""
    with AiloopClient(server.url, protocol=era, timeout=10.0, echo_timeout=5.0) as ailoop_client:
        yield ailoop_client


@pytest.fixture
def v1_server() -> Iterator[AiloopTestServer]:
    """A stand-in server of the current (v1) era."""
    with AiloopTestServer() as stand_in:
        yield stand_in


@pytest.fixture
def v1_client(v1_server: AiloopTestServer) -> Iterator[AiloopClient]:
    """A client for ``v1_server``."""
    with AiloopClient(v1_server.url, timeout=10.0, echo_timeout=5.0) as ailoop_client:
        yield ailoop_client


def inbound_frames(server: AiloopTestServer) -> List[Dict[str, Any]]:
    """The JSON frames clients sent to ``server`` over WebSocket, in order, without the
    realtime stream's viewer hello (``{"subscribe": "*"}``)."""
    frames = [json.loads(frame.text) for frame in server.frames if frame.direction == "in"]
    return [frame for frame in frames if "subscribe" not in frame]


def request_paths(server: AiloopTestServer) -> List[str]:
    """``"METHOD /path?query"`` of every HTTP request ``server`` received."""
    return [f"{request.method} {request.path}" for request in server.requests]
