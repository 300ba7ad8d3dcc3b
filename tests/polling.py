"""Waiting on what the code under test offers no event for.

Tests synchronise with the SDK through events, queues and timeouts. A few things have no
event to wait on: a count in a server log, the kernel's receive buffer, the thread list.
Those are *measurements*, polled here, and nowhere else in the suite. ``pause`` is the
other use of time: a scenario in which time itself must pass (an answer that comes in the
middle of a timeout, a request held past a worker's limit), named as such.
"""

import time
from typing import Callable

import pytest

POLL_INTERVAL = 0.02


def eventually(check: Callable[[], bool], timeout: float) -> bool:
    """Poll ``check`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL)
    return True


def wait_until(check: Callable[[], bool], what: str, timeout: float) -> None:
    """Poll ``check`` until it holds; fail the test naming ``what`` after ``timeout`` s."""
    if not eventually(check, timeout):
        pytest.fail(f"timed out after {timeout:.1f} s waiting for {what}")


def pause(seconds: float) -> None:
    """Let ``seconds`` pass because the scenario needs time to pass, not to synchronise."""
    time.sleep(seconds)
