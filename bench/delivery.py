"""Item 2: delivery to a handler vs a raw ``websocket-client`` ``recv`` + ``json.loads`` loop.

Each round the stand-in pushes the same number of fresh frames (a mix of notifications,
responses, decisions and authorizations over several channels) to the one connected
consumer: either the SDK (viewer thread -> de-duplication -> dispatcher -> ``Message`` in
the handler) or a raw viewer socket decoding each frame with ``json.loads``. The clock
runs from the stand-in's first send to the last frame handled. A third contender runs the raw
loop on the SDK's read-ahead socket, to show the limit of the stack with that technique.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Type

import websocket

from ailoop._readahead import ReadAheadWebSocket
from ailoop.client import AiloopClient
from bench.delivery_stages import stage_costs
from bench.harness import (
    BenchResult,
    Series,
    alternate,
    paired_extra_micros,
    paired_ratio,
    ratio_goal_row,
    reference_row,
)
from bench.raw_ws import open_viewer, recv_json
from bench.server import StandInProcess

GOAL = 0.8
CHANNELS = [f"bench-{index}" for index in range(4)]
WAIT_SECONDS = 120.0


class CountingHandler:
    """A message handler that records when the ``expected``-th message arrived."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.expected = 0
        self.count = 0
        self.finished_at = 0.0
        self.types: List[str] = []

    def reset(self, expected: int) -> None:
        """Arm for the next round."""
        self.done.clear()
        self.expected = expected
        self.count = 0

    def __call__(self, message: Any) -> None:
        self.count += 1
        if self.count == self.expected:
            self.finished_at = time.perf_counter()
            self.done.set()


def wait_connected(client: AiloopClient) -> None:
    """Start the stream; ``connect_websocket`` blocks until it reports CONNECTED."""
    client.connect_websocket()


def run(quick: bool) -> BenchResult:
    """Alternate SDK and raw rounds, one consumer connected at a time."""
    count = 4000 if quick else 8000  # below max_pending_messages: nothing may be dropped
    rounds = 5 if quick else 9
    cpu_per_message: Dict[str, List[float]] = {"sdk": [], "raw": [], "raw_readahead": []}
    with StandInProcess() as server, AiloopClient(server.url, channel=CHANNELS[0]) as client:
        client.subscribe_to_channel("*")
        handler = CountingHandler()
        client.add_message_handler(handler)

        def sdk_round() -> float:
            handler.reset(count)
            wait_connected(client)
            cpu_before = time.process_time()
            reply = server.call("inject", count=count, channels=CHANNELS)
            if not handler.done.wait(WAIT_SECONDS):
                raise RuntimeError(f"SDK delivered {handler.count} of {count} messages")
            cpu_per_message["sdk"].append((time.process_time() - cpu_before) / count * 1e6)
            client.disconnect_websocket()
            return count / (handler.finished_at - reply["t0"])

        def raw_round(key: str, socket_class: Type[websocket.WebSocket]) -> float:
            ws = open_viewer(server.ws_url, socket_class=socket_class)
            try:
                cpu_before = time.process_time()
                server.send("inject", count=count, channels=CHANNELS)
                for _ in range(count):
                    recv_json(ws)
                finished_at = time.perf_counter()
                cpu_per_message[key].append((time.process_time() - cpu_before) / count * 1e6)
            finally:
                ws.close()
            reply = server.receive()
            return count / (finished_at - reply["t0"])

        samples = alternate(
            rounds,
            {
                "sdk": sdk_round,
                "raw": lambda: raw_round("raw", websocket.WebSocket),
                "raw_readahead": lambda: raw_round("raw_readahead", ReadAheadWebSocket),
            },
        )
        dropped = client.dropped_messages
    stages = stage_costs()
    sdk = Series("SDK handler", "msg/s", samples["sdk"])
    raw = Series("raw recv + json.loads", "msg/s", samples["raw"])
    readahead = Series("raw loop, read-ahead socket", "msg/s", samples["raw_readahead"])
    sdk_cpu = Series("SDK CPU", "µs", cpu_per_message["sdk"][1:])
    readahead_cpu = Series("raw read-ahead CPU", "µs", cpu_per_message["raw_readahead"][1:])
    raw_cpu = Series("raw CPU", "µs", cpu_per_message["raw"][1:])
    result = BenchResult(key="delivery", title="2. Delivery to a handler")
    result.rows.append(
        ratio_goal_row("2. delivery to a handler", sdk, "raw `recv` + `json.loads`", raw, GOAL)
    )
    result.rows.append(
        reference_row(
            "2b. same, baseline on the SDK's read-ahead socket",
            sdk.describe(),
            f"raw loop on `ReadAheadWebSocket`: {readahead.describe()}",
            paired_ratio(sdk, readahead).describe(),
        )
    )
    result.rows.append(
        reference_row(
            "2c. same, CPU per message (all threads of the process)",
            sdk_cpu.describe(1),
            f"raw `recv` + `json.loads`: {raw_cpu.describe(1)}",
            paired_ratio(raw_cpu, sdk_cpu).describe()
            + " (raw CPU / SDK CPU: the rate ratio on an idle core)",
        )
    )
    result.details.extend(
        [
            f"{rounds} alternating rounds of {count} frames (notification, response, decision, "
            f"authorization in turn, over {len(CHANNELS)} channels; handler subscribed to "
            f"`*`), one consumer connected at a time, {dropped} messages dropped.",
            "",
            f"- Per message: SDK {1e6 / sdk.median:.1f} µs, raw {1e6 / raw.median:.1f} µs "
            f"(the SDK's own work, per round: {paired_extra_micros(sdk, raw).median:.1f} µs).",
            f"- CPU time of this process per message (all threads): SDK {sdk_cpu.describe(1)}, "
            f"raw {raw_cpu.describe(1)}, raw on the read-ahead socket "
            f"{readahead_cpu.describe(1)}. The raw loop uses about one full core, so its rate "
            "is the client's limit, not the stand-in's: the stand-in queues each round's "
            "frames while its sending is paused and releases them at once.",
            "",
            "CPU per frame of each stage measured alone, without the network (frames read "
            "from a local socket pair; best of several runs):",
            "",
            "| stage | µs per frame |",
            "|---|---|",
            *(f"| {name} | {micros:.1f} |" for name, micros in stages.items()),
            "",
            f"- Raw baseline = plain read + `json.loads` = "
            f"{stages['read (websocket-client)'] + stages['json.loads']:.1f} µs; the SDK's "
            f"unavoidable stages (read-ahead read + `json.loads` + `Message` decode) = "
            f"{_floor(stages):.1f} µs, so with nothing else its ceiling is "
            f"{(stages['read (websocket-client)'] + stages['json.loads']) / _floor(stages):.2f}x "
            "the raw rate. Everything else the SDK did (routing, de-duplication, the "
            "hand-over to the dispatcher thread, thread switches, the handler call) cost "
            f"{sdk_cpu.median - _floor(stages):.1f} µs per message in the rounds above "
            "(its measured CPU minus those stages).",
        ]
    )
    return result


def _floor(stages: Dict[str, float]) -> float:
    return stages["read (read-ahead socket)"] + stages["json.loads"] + stages["Message decode"]
