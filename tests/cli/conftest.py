"""Helpers for the command-line tests: run ``ailoop.cli.run`` in-process and capture it."""

import io
from typing import List, NamedTuple

import pytest

from ailoop import cli


class Result(NamedTuple):
    """What one command line printed and returned."""

    code: int
    out: str
    err: str


def run_cli(*argv: str) -> Result:
    """Run the command line in this process (no subprocess, so fixtures stay usable)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(argv), out, err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture(autouse=True)
def no_ailoop_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set $AILOOP_SERVER_URL / $AILOOP_SERVER / $AILOOP_TOKEN when they mean to."""
    for name in ("AILOOP_SERVER_URL", "AILOOP_SERVER", "AILOOP_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def lines(text: str) -> List[str]:
    """Non-empty lines of a command's output."""
    return [line for line in text.splitlines() if line.strip()]
