"""Suite-wide guards: every test must leave no thread and no file descriptor behind."""

from __future__ import annotations

import gc
import os
import threading
from typing import Iterator, List, Set, Tuple

import pytest

from tests.descriptors import FD_DIR, LEAKABLE, descriptor_targets
from tests.polling import eventually

LEAK_GRACE_SECONDS = 2.0


def _open_fds() -> Set[int]:
    return {fd for fd, target in descriptor_targets().items() if target.startswith(LEAKABLE)}


def _leaks(
    threads_before: Set[threading.Thread], fds_before: Set[int]
) -> Tuple[List[threading.Thread], Set[int]]:
    threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    fds = _open_fds() - fds_before
    return threads, fds


@pytest.fixture(autouse=True)
def no_leaked_threads_or_fds(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a thread or socket it created alive after a 2 s grace."""
    threads_before = set(threading.enumerate())
    fds_before = _open_fds()
    yield
    if request.node.get_closest_marker("allow_leaks"):
        return
    threads, fds = _leaks(threads_before, fds_before)
    if not threads and not fds:
        return  # the common case: nothing to wait for, no costly gc pass
    def released() -> bool:
        nonlocal threads, fds
        gc.collect()
        threads, fds = _leaks(threads_before, fds_before)
        return not threads and not fds

    if eventually(released, LEAK_GRACE_SECONDS):
        return
    details = []
    if threads:
        details.append("threads: " + ", ".join(f"{t.name} (daemon={t.daemon})" for t in threads))
    if fds:
        details.append(
            "descriptors: "
            + ", ".join(f"{fd} -> {_describe_fd(fd)}" for fd in sorted(fds))
        )
    pytest.fail("test leaked " + "; ".join(details), pytrace=False)


def _describe_fd(fd: int) -> str:
    try:
        return os.readlink(os.path.join(FD_DIR, str(fd)))
    except OSError:
        return "?"
