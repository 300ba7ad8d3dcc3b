"""Item 4: CPU time and threads of a connected, idle client.

The SDK client (stream connected, one handler so the dispatcher runs, default pings)
sits idle while the main thread sleeps; the process CPU time and the threads' context
switches over the window are its idle cost. The baseline is a raw viewer socket whose
reader thread is blocked in ``recv``.
"""

from __future__ import annotations

import glob
import threading
import time
from typing import Any, Callable, List, Tuple

from ailoop.client import AiloopClient
from bench.delivery import wait_connected
from bench.harness import BenchResult, Row, verdict
from bench.raw_ws import open_viewer
from bench.server import StandInProcess

GOAL_PERCENT = 0.5
DEADLINE_THREAD = "ailoop-deadlines"
"""The transport's one watcher that enforces socket deadlines (docs/threads.rst)."""
CHANNEL = "bench-idle"


def context_switches() -> int:
    """Voluntary + involuntary context switches of every thread of this process."""
    total = 0
    for path in glob.glob("/proc/self/task/*/status"):
        try:
            with open(path, encoding="ascii") as status:
                for line in status:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split(":")[1])
        except OSError:
            continue  # the thread ended while we listed them
    return total


def idle_window(seconds: float) -> Tuple[float, float]:
    """(CPU % of one core, wake-ups per second) of this process over ``seconds`` of idling."""
    threading.Event().wait(0.5)  # let connection set-up settle
    cpu_before, switches_before = time.process_time(), context_switches()
    started = time.monotonic()
    threading.Event().wait(seconds)
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu_before
    switches = context_switches() - switches_before
    return cpu / elapsed * 100, switches / elapsed


def _new_threads(before: List[threading.Thread]) -> List[str]:
    return sorted(t.name for t in threading.enumerate() if t not in before)


def _measure_sdk(server: StandInProcess, seconds: float) -> Tuple[float, float, List[str]]:
    before = threading.enumerate()
    with AiloopClient(server.url, channel=CHANNEL) as client:
        client.add_message_handler(lambda message: None)
        wait_connected(client)
        threads = _new_threads(before)
        cpu, wakeups = idle_window(seconds)
    return cpu, wakeups, threads


def _measure_raw(server: StandInProcess, seconds: float) -> Tuple[float, float]:
    ws = open_viewer(server.ws_url)
    ws.settimeout(None)

    def read_until_closed() -> None:
        try:
            while ws.recv():
                pass
        except Exception:
            return  # the socket was closed: the reader's job is over

    reader = threading.Thread(target=read_until_closed, name="raw-viewer", daemon=True)
    reader.start()
    try:
        return idle_window(seconds)
    finally:
        ws.close()
        reader.join(5)


def run(quick: bool) -> BenchResult:
    """One idle window for the SDK and one for the raw viewer."""
    seconds = 3.0 if quick else 10.0
    with StandInProcess() as server:
        measure: List[Tuple[str, Callable[[], Any]]] = [
            ("sdk", lambda: _measure_sdk(server, seconds)),
            ("raw", lambda: _measure_raw(server, seconds)),
        ]
        measured = {name: action() for name, action in measure}
    sdk_cpu, sdk_wakeups, threads = measured["sdk"]
    raw_cpu, raw_wakeups = measured["raw"]
    result = BenchResult(key="idle_cost", title="4. Idle cost")
    result.rows.append(
        Row(
            item=f"4. idle connected client, CPU over {seconds:g} s",
            sdk=f"{sdk_cpu:.3f}% of one core, {sdk_wakeups:.1f} wake-ups/s",
            baseline=f"raw viewer blocked in `recv`: {raw_cpu:.3f}%, {raw_wakeups:.1f} wake-ups/s",
            ratio="",
            goal=f"<= {GOAL_PERCENT}%",
            verdict=verdict(sdk_cpu <= GOAL_PERCENT),
        )
    )
    network = [name for name in threads if "stream" in name]
    dispatchers = [name for name in threads if "dispatch" in name]
    others = [name for name in threads if name not in network + dispatchers]
    result.rows.append(
        Row(
            item="4b. threads of a connected client with a handler",
            sdk=", ".join(f"`{name}`" for name in threads) or "none",
            baseline="",
            ratio="",
            goal=f"1 network + at most 1 dispatcher (+ `{DEADLINE_THREAD}`)",
            verdict=verdict(
                len(network) == 1 and len(dispatchers) <= 1 and set(others) <= {DEADLINE_THREAD}
            ),
        )
    )
    result.details.append(
        f"Process CPU time (`time.process_time`, all threads) over a {seconds:g} s window "
        "with the main thread asleep; wake-ups are the threads' context switches "
        "(`/proc/self/task/*/status`). The SDK keeps its default 20 s ping interval, so a "
        "window holds at most one ping. Besides the network and dispatcher threads a "
        f"client runs `{DEADLINE_THREAD}` once it has opened a WebSocket: the transport's "
        "watcher that cuts handshakes and reads at their deadlines (docs/threads.rst)."
    )
    return result
