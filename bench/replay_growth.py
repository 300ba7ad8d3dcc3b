"""Item 5: replay and growth.

* Reconnect with a full replay: the stand-in's history holds 500 messages in each of 20
  channels; the SDK's stream is dropped and the clock runs until a message posted after
  the reconnect reaches the handler (so the whole replay has been read, de-duplicated
  and the REST catch-up done). Baseline: a raw viewer connecting and reading the same
  10,000 replayed frames with ``json.loads``. Memory: ``tracemalloc`` around a reconnect.
* Growth: 100k fresh messages through a connected client (handler subscribed to ``*``);
  resident memory and live Python objects at checkpoints must level off (the
  de-duplication memory is bounded).
* ``wait_for_response`` under traffic: delivery time of 10k messages with no waiter vs
  with 50 threads blocked in ``wait_for_response``, and the answer latency before and
  after the 100k messages went through (neither may grow with traffic).
"""

from __future__ import annotations

import concurrent.futures
import gc
import json
import threading
import time
import tracemalloc
from typing import Any, List, Tuple

import requests

from ailoop import AiloopError
from ailoop.client import AiloopClient
from bench.delivery import CountingHandler, wait_connected
from bench.frames import message_frame, traffic
from bench.harness import BenchResult, Row, Series, alternate, paired_ratio
from bench.raw_ws import open_viewer, recv_json
from bench.response_latency import sdk_latency
from bench.server import StandInProcess

REPLAY_CHANNELS = [f"replay-{index:02d}" for index in range(20)]
PER_CHANNEL = 500
CHUNK = 5000  # below max_pending_messages: nothing may be dropped
WAIT_SECONDS = 120.0


def seed_history(url: str, channels: List[str], per_channel: int) -> None:
    """Post ``per_channel`` messages of the usual mix to each channel (4 threads)."""
    bodies = traffic(per_channel * len(channels), channels)
    local = threading.local()
    sessions: List[requests.Session] = []

    def post(body: str) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.trust_env = False
            sessions.append(session)
        session.post(
            url + "/api/v1/messages",
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json"},
            timeout=30,
        ).raise_for_status()

    with concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="bench-seed") as pool:
        list(pool.map(post, bodies))
    for session in sessions:
        session.close()


def post_sentinel(url: str, channel: str) -> str:
    """Post one live notification; its id."""
    frame = message_frame({"type": "notification", "text": "sentinel", "priority": "low"}, channel)
    requests.post(
        url + "/api/v1/messages",
        data=frame.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        timeout=30,
    ).raise_for_status()
    return str(json.loads(frame)["id"])


class ConnectionWatch:
    """A connection handler that sets ``connected`` on every CONNECTED event."""

    def __init__(self) -> None:
        self.connected = threading.Event()

    def __call__(self, event: Any) -> None:
        if getattr(event, "state", event) == "connected":  # a str enum
            self.connected.set()


def _sdk_reconnect(
    server: StandInProcess, watch: ConnectionWatch, handler: CountingHandler
) -> float:
    """Drop the stream; seconds until a message posted after the reconnect is handled."""
    watch.connected.clear()
    started = float(server.call("drop")["t0"])
    if not watch.connected.wait(WAIT_SECONDS):
        raise RuntimeError("the SDK did not reconnect")
    handler.reset(1)
    post_sentinel(server.url, REPLAY_CHANNELS[0])
    if not handler.done.wait(WAIT_SECONDS):
        raise RuntimeError("the message posted after the reconnect never arrived")
    return handler.finished_at - started


def _raw_replay(server: StandInProcess, frames: int) -> float:
    started = time.perf_counter()
    ws = open_viewer(server.ws_url, timeout=30.0)
    try:
        for _ in range(frames):
            recv_json(ws)
        return time.perf_counter() - started
    finally:
        ws.close()


def _memory_of_reconnect(
    server: StandInProcess, watch: ConnectionWatch, handler: CountingHandler
) -> Tuple[float, float]:
    """(MiB still allocated after, MiB peak during) one reconnect, by ``tracemalloc``."""
    gc.collect()
    tracemalloc.start()
    try:
        _sdk_reconnect(server, watch, handler)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current / 2**20, peak / 2**20


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _push(
    server: StandInProcess, handler: CountingHandler, count: int, channels: List[str]
) -> float:
    """Have the stand-in push ``count`` fresh frames in chunks; seconds until all handled."""
    total = 0.0
    remaining = count
    while remaining:
        chunk = min(CHUNK, remaining)
        handler.reset(chunk)
        reply = server.call("inject", count=chunk, channels=channels)
        if not handler.done.wait(WAIT_SECONDS):
            raise RuntimeError(f"the SDK delivered {handler.count} of {chunk} messages")
        total += handler.finished_at - float(reply["t0"])
        remaining -= chunk
    return total


def _growth(
    server: StandInProcess, handler: CountingHandler, total: int
) -> List[Tuple[int, float, int]]:
    """(messages so far, RSS MiB, live objects) at checkpoints while ``total`` flow."""
    checkpoints = []
    step = total // 4
    for done in range(step, total + 1, step):
        _push(server, handler, step, REPLAY_CHANNELS)
        gc.collect()
        checkpoints.append((done, _rss_mib(), len(gc.get_objects())))
    return checkpoints


def _waiting_threads(client: AiloopClient, prompt_ids: List[str]) -> List[threading.Thread]:
    def wait(prompt_id: str) -> None:
        try:
            client.wait_for_response(prompt_id, timeout=WAIT_SECONDS)
        except AiloopError:
            return  # closed or timed out: the waiter has served its purpose

    threads = [
        threading.Thread(target=wait, args=(prompt_id,), name=f"bench-waiter-{i}", daemon=True)
        for i, prompt_id in enumerate(prompt_ids)
    ]
    for thread in threads:
        thread.start()
    return threads


def run(quick: bool) -> BenchResult:
    """Reconnect with replay, memory growth, and waits under traffic."""
    rounds = 3 if quick else 5
    growth_total = 20_000 if quick else 100_000
    latency_samples = 3 if quick else 6
    result = BenchResult(key="replay_growth", title="5. Replay and growth")
    replayed = PER_CHANNEL * len(REPLAY_CHANNELS)
    with StandInProcess() as server:
        seed_started = time.monotonic()
        seed_history(server.url, REPLAY_CHANNELS, PER_CHANNEL)
        seed_seconds = time.monotonic() - seed_started
        with AiloopClient(server.url, channel=REPLAY_CHANNELS[0], reconnect_delay=0.01) as client:
            client.subscribe_to_channel("*")
            handler = CountingHandler()
            client.add_message_handler(handler)
            watch = ConnectionWatch()
            client.add_connection_handler(watch)
            connect_started = time.perf_counter()
            wait_connected(client)
            first_connect = time.perf_counter() - connect_started
            samples = alternate(
                rounds,
                {
                    "sdk": lambda: _sdk_reconnect(server, watch, handler),
                    "raw": lambda: _raw_replay(server, replayed),
                },
            )
            retained_mib, peak_mib = _memory_of_reconnect(server, watch, handler)

            latency_before = [sdk_latency(server, client) for _ in range(latency_samples)]
            idle_push = _push(server, handler, 2 * CHUNK, REPLAY_CHANNELS)
            waiters = _waiting_threads(client, [str(client.say(f"w{i}").id) for i in range(50)])
            busy_push = _push(server, handler, 2 * CHUNK, REPLAY_CHANNELS)
            growth = _growth(server, handler, growth_total)
            latency_after = [sdk_latency(server, client) for _ in range(latency_samples)]
            dropped = client.dropped_messages
        for thread in waiters:
            thread.join(5)
    sdk = Series("SDK reconnect", "s", samples["sdk"])
    raw = Series("raw viewer replay", "s", samples["raw"])
    ratio = paired_ratio(sdk, raw)
    result.rows.append(
        Row(
            item=f"5. reconnect with a replay of {PER_CHANNEL} x {len(REPLAY_CHANNELS)} messages",
            sdk=sdk.describe(3),
            baseline=f"raw viewer reads the replay: {raw.describe(3)}",
            ratio=ratio.describe() + " (time)",
            goal="(report)",
            verdict="n/a",
        )
    )
    first, last = growth[0], growth[-1]
    result.rows.append(
        Row(
            item=f"5b. memory after {growth_total:,} messages",
            sdk=f"RSS {first[1]:.1f} -> {last[1]:.1f} MiB, "
            f"live objects {first[2]:,} -> {last[2]:,}",
            baseline="",
            ratio="",
            goal="bounded",
            verdict="met" if last[1] - first[1] < 0.25 * first[1] else "**check**",
        )
    )
    before = Series("before", "ms", latency_before)
    after = Series("after", "ms", latency_after)
    result.rows.append(
        Row(
            item="5c. `wait_for_response` under traffic",
            sdk=f"10k msgs with 50 waiters: {busy_push:.2f} s; answer latency after "
            f"{growth_total:,} msgs: {after.describe(2)}",
            baseline=f"10k msgs, no waiter: {idle_push:.2f} s; "
            f"latency before: {before.describe(2)}",
            ratio=f"{busy_push / idle_push:.2f}x (delivery), {after.median / before.median:.2f}x "
            "(latency)",
            goal="no growth with traffic",
            verdict="met"
            if busy_push / idle_push < 1.5 and after.median < before.median * 2 + 1
            else "**missed**",
        )
    )
    result.details.extend(
        [
            f"History seeded over HTTP in {seed_seconds:.1f} s. First connect (replay only "
            f"seeds de-duplication): {first_connect:.2f} s to CONNECTED. Reconnect rounds: "
            f"{rounds} alternating (`reconnect_delay=0.01` so the backoff jitter does not "
            "dominate; the clock starts at the drop and includes the REST catch-up).",
            f"- One reconnect with `tracemalloc`: {retained_mib:.2f} MiB still allocated "
            f"afterwards, {peak_mib:.2f} MiB peak.",
            "- Growth checkpoints (messages, RSS MiB, live objects): "
            + "; ".join(f"{done:,}: {rss:.1f} MiB, {objects:,}" for done, rss, objects in growth)
            + f". Dropped: {dropped}.",
        ]
    )
    return result
