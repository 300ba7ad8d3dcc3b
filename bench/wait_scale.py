"""Items 8 and 9: many threads calling ``wait_for_response`` at once, and the HTTP
connections they leave behind.

Four channels each hold 250 authorization prompts sent by another connection (so the
measured client did not send them, as with the CLI's ``wait`` or another process's
prompt), already answered the web UI's way, among older notifications: ~1,000 messages
per channel, the most the server keeps. Each round starts one thread per prompt, releases
them together, and each calls ``wait_for_response(prompt_id, timeout=60)``: register the
wait, check for an answer the way the SDK does, and return the answer it finds. The clock
runs from the release to the last thread's return. Baseline: the same number of threads
each doing one ``GET /api/v1/messages/{id}`` on one shared ``requests.Session``.
Each SDK round uses a fresh client whose stream is connected before the release; the
stand-in counts the HTTP requests of each round. After the SDK threads have ended, the
process's open sockets and resident memory show what the client keeps for them.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Callable, Dict, List, Tuple

import requests
import websocket

from ailoop import AiloopError
from ailoop.client import AiloopClient
from bench.delivery import wait_connected
from bench.harness import BenchResult, Row, Series, alternate, paired_ratio, verdict
from bench.raw_ws import SOCKET_OPTIONS, authorization_frame, recv_json
from bench.replay_growth import seed_history
from bench.server import StandInProcess

GOAL = 2.0
CHANNELS = [f"bench-waits-{index}" for index in range(4)]
PROMPTS = 1000
PADDING = 450  # notifications per channel, older than its prompts
POOL_GOAL = 10  # the default ``pool_maxsize``
JOIN_SECONDS = 300.0
APPROVE = "authorization_approved"


def send_prompts(ws_url: str, count: int, channels: List[str]) -> List[str]:
    """Send ``count`` authorization prompts over ``channels`` on one agent connection;
    their ids.
    """
    ws = websocket.create_connection(ws_url, timeout=30, **SOCKET_OPTIONS)
    try:
        ids = [str(uuid.uuid4()) for _ in range(count)]
        for index, message_id in enumerate(ids):
            channel = channels[index % len(channels)]
            ws.send(authorization_frame(channel, f"bench wait {index}", message_id))
        wanted = set(ids)
        while wanted:
            echoed = recv_json(ws)
            if isinstance(echoed, dict):
                wanted.discard(echoed.get("id"))
    finally:
        ws.close()
    return ids


def open_sockets() -> int:
    """TCP/Unix sockets open in this process (file descriptors that are sockets)."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            continue  # closed while we listed them
    return count


def rss_mib() -> float:
    """Resident set size of this process in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def release_together(targets: List[Callable[[], None]], name: str) -> float:
    """Start one thread per target, release them at once; seconds until all returned."""
    gate = threading.Event()

    def run(target: Callable[[], None]) -> None:
        gate.wait()
        target()

    threads = [
        threading.Thread(target=run, args=(target,), name=f"{name}-{index}", daemon=True)
        for index, target in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    gate.set()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    finished = time.perf_counter()
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError(f"{name}: threads still running after {JOIN_SECONDS:g} s")
    return finished - started


class WaitRounds:
    """The SDK and raw contenders, with what each SDK round left behind."""

    def __init__(self, server: StandInProcess, prompt_ids: List[str]) -> None:
        self.server = server
        self.prompt_ids = prompt_ids
        self.requests_per_round: List[Dict[str, int]] = []
        self.sockets_left: List[int] = []
        self.rss_growth: List[float] = []
        self.unexpected: List[str] = []

    def sdk(self) -> float:
        """One round of ``len(prompt_ids)`` concurrent ``wait_for_response`` calls."""
        with AiloopClient(self.server.url, channel=CHANNELS[0]) as client:
            wait_connected(client)
            self.server.call("requests")  # clear the log: count this round's requests only
            sockets_before, rss_before = open_sockets(), rss_mib()

            def waiter(prompt_id: str) -> Callable[[], None]:
                def wait() -> None:
                    try:
                        answer = client.wait_for_response(prompt_id, timeout=JOIN_SECONDS / 2)
                    except AiloopError as exc:
                        self.unexpected.append(f"{type(exc).__name__}: {exc}")
                        return
                    if getattr(answer.content, "response_type", None) != APPROVE:
                        self.unexpected.append(f"unexpected answer: {answer.content!r}")

                return wait

            seconds = release_together([waiter(i) for i in self.prompt_ids], "bench-wait")
            self.sockets_left.append(open_sockets() - sockets_before)
            self.rss_growth.append(rss_mib() - rss_before)
            self.requests_per_round.append(self.server.call("requests")["counts"])
        return seconds

    def raw(self) -> float:
        """One round of the same number of threads, one GET each on a shared Session."""
        with requests.Session() as session:
            session.trust_env = False
            url = self.server.url + "/api/v1/messages/"

            def getter(prompt_id: str) -> Callable[[], None]:
                def get() -> None:
                    session.get(url + prompt_id, timeout=60).raise_for_status()

                return get

            return release_together([getter(i) for i in self.prompt_ids], "bench-get")


def _requests_summary(counts: List[Dict[str, int]], waits: int) -> Tuple[float, str]:
    last = counts[-1] if counts else {}
    total = sum(last.values())
    shown = ", ".join(f"{count:,} x `{route}`" for route, count in sorted(last.items()))
    return total / waits, shown or "none"


def run(quick: bool) -> BenchResult:
    """Alternate SDK and raw rounds of many concurrent waits."""
    threads = 200 if quick else PROMPTS
    rounds = 3 if quick else 5
    with StandInProcess() as server:
        seed_history(server.url, CHANNELS, PADDING)
        prompt_ids = send_prompts(server.ws_url, PROMPTS, CHANNELS)
        for prompt_id in prompt_ids:
            server.call("respond", message_id=prompt_id, response_type=APPROVE)
        prompt_ids = prompt_ids[-threads:]
        contenders = WaitRounds(server, prompt_ids)
        samples = alternate(rounds, {"sdk": contenders.sdk, "raw": contenders.raw})
    sdk = Series(f"{threads} waits", "s", samples["sdk"])
    raw = Series(f"{threads} GETs", "s", samples["raw"])
    ratio = paired_ratio(sdk, raw)
    per_wait, shown = _requests_summary(contenders.requests_per_round, threads)
    kept = contenders.sockets_left[1:]  # the first SDK round is the warm-up
    sockets = Series("sockets kept", "sockets kept", [float(v) for v in kept])
    rss = Series("RSS growth", "MiB", contenders.rss_growth[1:])
    result = BenchResult(key="wait_scale", title="8 and 9. Many threads waiting at once")
    result.rows.append(
        Row(
            item=f"8. {threads:,} threads calling `wait_for_response` at once",
            sdk=f"{sdk.describe(2)} until every wait returned its answer; "
            f"{per_wait:.2f} HTTP requests per wait",
            baseline=f"{threads:,} threads, one GET each on a shared `requests.Session`: "
            f"{raw.describe(2)}",
            ratio=ratio.describe() + " (time)",
            goal=f"<= {GOAL:g}x",
            verdict=verdict(ratio.median <= GOAL and not contenders.unexpected),
        )
    )
    result.rows.append(
        Row(
            item=f"9. HTTP connections after {threads:,} waiting threads ended",
            sdk=f"{sockets.describe(0)}, RSS growth {rss.describe(1)}",
            baseline="",
            ratio="",
            goal=f"<= {POOL_GOAL} (`pool_maxsize`), nothing kept per thread",
            verdict=verdict(max(kept) <= POOL_GOAL),
        )
    )
    result.details.extend(
        [
            f"{rounds} alternating rounds (one warm-up discarded) against {len(CHANNELS)} "
            f"channels holding {PROMPTS:,} prompts in all, sent by another connection and "
            f"already answered (`{APPROVE}`, the web UI's way), after {PADDING} older "
            f"notifications each; {threads:,} threads per round, released together, each "
            "calling `wait_for_response(id)` and getting the answer (SDK, a fresh client "
            "per round with its stream connected first) or doing one GET (raw).",
            "",
            f"- HTTP requests of the last SDK round: {shown}.",
            f"- Sockets this process kept open after the SDK round's threads had ended, "
            f"beyond those open before it, warm-up round first: "
            f"{', '.join(str(v) for v in contenders.sockets_left)}; resident memory growth "
            f"per round: {', '.join(f'{v:.1f}' for v in contenders.rss_growth)} MiB.",
        ]
    )
    if contenders.unexpected:
        result.details.append(
            f"- Unexpected errors ({len(contenders.unexpected)}), first: {contenders.unexpected[0]}"
        )
    return result
