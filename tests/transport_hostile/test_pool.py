"""Issue 15: the HTTP connections of many calling threads are bounded by ``pool_maxsize``
(default 10), and nothing is kept for threads that ended. A forwarding front counts the
connections the client opens to the stand-in."""

import queue
import threading
import time
from typing import Any, List

import pytest

import ailoop
from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer
from tests.polling import eventually

from ._hostile import Front, RawServer

THREADS = 1000


def _all_at_once(client: AiloopClient, threads: int) -> List[Any]:
    start = threading.Barrier(threads)
    outcomes: queue.Queue[Any] = queue.Queue()

    def call() -> None:
        try:
            start.wait(60)
            outcomes.put(client.get_stats())
        except BaseException as exc:  # reported by the test thread
            outcomes.put(exc)

    workers = [
        threading.Thread(target=call, name=f"pool-caller-{n}", daemon=True) for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    results = [outcomes.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(10)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("pool_maxsize", [None, 3])
def test_a_thousand_threads_share_at_most_pool_maxsize_connections(
    stand_in: AiloopTestServer, pool_maxsize: Any
) -> None:
    limit = 10 if pool_maxsize is None else pool_maxsize
    options = {} if pool_maxsize is None else {"pool_maxsize": pool_maxsize}
    with Front(stand_in.port, {}) as front:
        client = AiloopClient(front.url, timeout=60, **options)
        with client:
            results = _all_at_once(client, THREADS)
            failures = [r for r in results if isinstance(r, BaseException)]
            assert not failures, failures[0]
            assert front.peak_open <= limit, f"{front.peak_open} connections at once"
            assert front.accepted <= limit, f"{front.accepted} connections opened in all"
            # every calling thread has ended: the client still holds only its pool
            assert front.open_now <= limit
        assert eventually(lambda: front.open_now == 0, 5), "close() released every connection"


@pytest.mark.slow
def test_a_call_waiting_for_a_busy_pool_opens_nothing_and_close_wakes_it() -> None:
    """pool_maxsize=1 and the one connection held by a call the server never answers: a
    second call waits for it without opening a connection of its own, and close() wakes
    both callers at once."""
    busy = threading.Event()

    def never_answer(conn, head):  # type: ignore[no-untyped-def]
        busy.set()
        server.stopping.wait(60)

    server = RawServer(never_answer)
    outcomes: queue.Queue[Any] = queue.Queue()
    with server:
        client = AiloopClient(server.url, timeout=60.0, pool_maxsize=1)
        callers = [
            threading.Thread(
                target=lambda call=call: outcomes.put(_outcome(call)),
                name=f"pool-waiter-{n}",
                daemon=True,
            )
            for n, call in enumerate((client.get_stats, client.get_health))
        ]
        callers[0].start()
        assert busy.wait(10)
        callers[1].start()
        callers[1].join(0.5)  # give the second call time to block on the busy pool
        assert callers[1].is_alive(), "the second call waits for the one connection"
        began = time.monotonic()
        client.close()
        results = [outcomes.get(timeout=2.0 + 5.0) for _ in callers]
        woke = time.monotonic() - began
        for caller in callers:
            caller.join(5)
    assert all(isinstance(r, ailoop.ClientClosedError) for r in results), results
    assert woke <= 2.0 + 5.0
    assert server.accepted == 1, "the waiting call never opened a second connection"


def _outcome(call: Any) -> Any:
    try:
        return call()
    except BaseException as exc:  # the test checks which
        return exc


@pytest.mark.parametrize(
    ("url", "proxies", "uses_bundle"),
    [
        ("https://ailoop.example", {}, True),
        ("http://ailoop.example", {"http": "https://proxy.example:3128"}, True),
        ("http://ailoop.example", {"http": "http://proxy.example:3128"}, False),
        ("http://ailoop.example", {}, False),
    ],
)
def test_sessions_pass_the_ca_bundle_only_where_tls_is_made(
    url: str, proxies: Any, uses_bundle: bool, tmp_path: Any
) -> None:
    """The CA bundle goes to every Session that may make a TLS connection (to the server
    or a proxy); plain-HTTP Sessions get none (requests would stat() it on every call)."""
    import dataclasses

    from ailoop._connection import ConnectionSettings
    from ailoop._http_pool import SessionPool
    from ailoop._urls import parse_server_url

    bundle = str(tmp_path / "ca.pem")
    settings = ConnectionSettings.build(
        parse_server_url(url), timeout=5.0, token=None, verify=bundle, user_agent="test"
    )
    settings = dataclasses.replace(settings, proxies=proxies)
    pool = SessionPool(settings)
    try:
        with pool.session(time.monotonic() + 5.0) as session:
            assert session.verify == (bundle if uses_bundle else True)
            assert session.proxies == proxies
    finally:
        pool.close()



@pytest.mark.parametrize("left_over", [0.05, None, 600.0])
def test_a_read_is_bounded_by_the_calls_deadline_whatever_timeout_the_socket_had(
    left_over: Any,
) -> None:
    """The deadline reader keeps a socket timeout only when it already ends the read at
    the call's deadline (give or take 10 ms): a shorter one left by an earlier call must
    not cut the read early, a longer one (or none) must not let it run past."""
    import socket as socket_module

    from ailoop._http_pool import _DeadlineReader

    reader, writer = socket_module.socketpair()
    try:
        reader.settimeout(left_over)
        raw = reader.makefile("rb", buffering=0)
        answered = threading.Timer(0.3, writer.sendall, args=(b"late",))
        answered.start()
        buffer = bytearray(16)
        deadline = _DeadlineReader(raw, reader, time.monotonic() + 5.0)
        assert deadline.readinto(buffer) == 4 and bytes(buffer[:4]) == b"late"
        answered.join()
        began = time.monotonic()
        short = _DeadlineReader(raw, reader, began + 0.3)
        with pytest.raises(OSError):  # socket.timeout: nothing more comes
            short.readinto(buffer)
        assert time.monotonic() - began < 0.3 + 2.0  # the deadline, not the old timeout
    finally:
        reader.close()
        writer.close()
