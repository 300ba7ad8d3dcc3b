"""Fixtures for the hostile-server tests: a stand-in to forward to, and a recorder that
tells whether anything (an ``Authorization`` header above all) reached a second port."""

from typing import Iterator

import pytest

from ailoop.testing import AiloopTestServer

from ._hostile import RawServer, respond

TOKEN = "tok-hostile-9d2e-SECRET"
"""A token that must never travel to another address or show up in any text."""


@pytest.fixture
def stand_in() -> Iterator[AiloopTestServer]:
    with AiloopTestServer() as server:
        yield server


@pytest.fixture
def recorder() -> Iterator[RawServer]:
    """A second local port that records every request head it receives."""

    def record(conn, head):  # type: ignore[no-untyped-def]
        respond(conn, "404 Not Found")

    with RawServer(record, name="recorder") as server:
        yield server
