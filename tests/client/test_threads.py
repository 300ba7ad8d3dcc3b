"""One client shared by 16 threads: REST calls and prompts in parallel, everything closed
on ``close()``. (The HTTP pool's bound is tested in tests/transport_hostile/test_pool.py.)"""

import queue
import threading

import pytest

from ailoop.client import AiloopClient

from .conftest import inbound_frames

THREADS = 16
ROUNDS = 5


@pytest.mark.slow
def test_sixteen_threads_share_one_client(server, era):
    results: queue.Queue[object] = queue.Queue()
    start = threading.Barrier(THREADS)

    def work(number: int) -> None:
        try:
            start.wait(30)
            channel = f"worker-{number}"
            for round_number in range(ROUNDS):
                sent = client.say(f"{number}:{round_number}", channel=channel)
                assert client.get_message(sent.id) == sent
            prompt = client.authorize(f"job {number}", channel=channel)
            assert prompt.content.action == f"job {number}"
            history = client.get_channel_messages(channel)
            assert [m.content.text for m in history[:ROUNDS]] == [
                f"{number}:{n}" for n in range(ROUNDS)
            ]
            results.put(number)
        except BaseException as exc:  # reported by the main thread
            results.put(exc)

    with AiloopClient(server.url, protocol=era, timeout=20, echo_timeout=10) as client:
        threads = [
            threading.Thread(target=work, args=(n,), name=f"client-user-{n}", daemon=True)
            for n in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        outcomes = [results.get(timeout=60) for _ in threads]
        for thread in threads:
            thread.join(10)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert not failures, failures[0]
    assert sorted(outcomes) == list(range(THREADS))
    assert len(inbound_frames(server)) == THREADS


def test_close_from_many_threads_at_once(v1_server):
    client = AiloopClient(v1_server.url)
    client.get_stats()
    start = threading.Barrier(8)
    errors = []

    def closer() -> None:
        try:
            start.wait(10)
            client.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=closer, name=f"closer-{n}", daemon=True) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert client.closed
