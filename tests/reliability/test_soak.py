"""Soak: 1,000 prompts over 8 channels, answered by the simulated human, through one
shared client from 8 threads (each thread blocks on its prompt like a web request would).

The server (in its own process, so the figures are the client's) serves one prompt per
channel per 100 ms tick. Afterwards threads are back to the baseline, open descriptors
are at most baseline + 2, and ``tracemalloc`` growth from the warmed-up client to the end
is at most 5 MiB.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from ailoop import AiloopClient
from tests.reliability.conftest import socket_fds, wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PROMPTS = 1_000
THREADS = 8
WARM_UP = 5  # prompts per thread before the memory baseline is taken
MIB = 1024 * 1024
MEMORY_GROWTH_LIMIT = 5 * MIB
ROOT = Path(__file__).resolve().parents[2]
CHOICES = ["red", "green", "blue"]
OPTIONS = ["opt-a", "opt-b"]


@pytest.fixture
def soak_server_url() -> Iterator[str]:
    """A stand-in with an answering human, in a child process; its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.soak_server"],
        cwd=str(ROOT),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://"), "the soak server did not start"
        yield url
    finally:
        process.stdin.close()
        process.wait(20)
        process.stdout.close()


def _one_prompt(client: AiloopClient, channel: str, number: int) -> Tuple[str, str]:
    """Send prompt ``number`` and block for its answer; (what came, what was expected)."""
    kind = number % 3
    if kind == 0:
        response = client.ask(f"Colour #{number}", channel=channel, choices=CHOICES, wait=True)
        expected = CHOICES[number % len(CHOICES)]
        return str(response.content.answer), expected
    if kind == 1:
        response = client.ask_decision(
            f"soak-{number}", f"Pick #{number}", OPTIONS, channel=channel, wait=True
        )
        return str(response.content.answer), OPTIONS[number % len(OPTIONS)]
    response = client.authorize(f"Deploy #{number}", channel=channel, wait=True)
    approved = "authorization_approved" if number % 2 == 0 else "authorization_denied"
    return str(response.content.response_type), approved


def test_soak_1000_prompts_over_8_channels_from_8_threads(soak_server_url: str) -> None:
    gc.collect()
    threads_before, fds_before = threading.active_count(), socket_fds()
    tracemalloc.start()
    client = AiloopClient(soak_server_url, timeout=10.0)
    per_thread = PROMPTS // THREADS
    results: List[List[Tuple[str, str]]] = [[] for _ in range(THREADS)]
    failures: List[BaseException] = []
    memory: List[int] = []

    def measure() -> None:
        gc.collect()
        memory.append(tracemalloc.get_traced_memory()[0])

    warmed_up = threading.Barrier(THREADS, action=measure)

    def work(index: int) -> None:
        channel = f"soak-{index}"
        try:
            for number in range(per_thread):
                if number == WARM_UP:
                    warmed_up.wait(60.0)
                results[index].append(_one_prompt(client, channel, index * per_thread + number))
        except BaseException as exc:
            failures.append(exc)
            warmed_up.abort()

    workers = [
        threading.Thread(target=work, args=(i,), name=f"test-soak-{i}", daemon=True)
        for i in range(THREADS)
    ]
    started = time.monotonic()
    try:
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(150.0)
        assert not any(thread.is_alive() for thread in workers), "a soak thread hung"
        elapsed = time.monotonic() - started
        assert not failures, failures[:3]
        measure()
        answers = [pair for per in results for pair in per]
        assert len(answers) == PROMPTS
        wrong = [pair for pair in answers if pair[0] != pair[1]]
        assert not wrong, f"{len(wrong)} wrong answers, e.g. {wrong[:3]}"
        growth = memory[-1] - memory[0]
        assert growth <= MEMORY_GROWTH_LIMIT, f"memory grew by {growth / MIB:.2f} MiB"
    finally:
        client.close()
        tracemalloc.stop()
    wait_until(lambda: threading.active_count() == threads_before, 5.0, "threads back")
    wait_until(lambda: socket_fds() <= fds_before + 2, 5.0, "descriptors back")
    print(  # the figures for docs/reliability.rst, shown with pytest -s
        f"\nsoak: {PROMPTS} prompts, {THREADS} threads, {elapsed:.1f} s, "
        f"memory growth {growth / MIB:.2f} MiB, threads {threading.active_count()} "
        f"(baseline {threads_before}), descriptors {socket_fds()} (baseline {fds_before})"
    )
