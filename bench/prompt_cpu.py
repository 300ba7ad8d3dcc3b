"""Item 10: client CPU per prompt vs a raw script opening a fresh connection per prompt.

The stand-in approves every prompt as a terminal or Telegram-style provider would (only
the canonical response is broadcast). Per prompt, the SDK (one long-lived client, stream
connected before the round) calls ``authorize(..., wait=True)``: it sends the prompt on
its own short-lived connection and blocks until the final response. The raw script opens
a WebSocket, sends the same prompt, reads until the response to it arrives on that
connection and closes it. The measure is this process's CPU time (all threads) per
prompt, in alternating rounds; the SDK runs once against a channel with a short history
and once against a channel already holding 1,000 messages. The stand-in's interaction loop
ticks every ``TICK`` seconds instead of 100 ms, so a round holds more prompts in the same
time (both contenders see the same server); the tick only sets when the approval is sent.
"""

from __future__ import annotations

import time
import uuid
from typing import Callable, Dict, List

import websocket

from ailoop.client import AiloopClient
from bench.delivery import wait_connected
from bench.harness import BenchResult, Row, Series, alternate, verdict
from bench.raw_ws import SOCKET_OPTIONS, authorization_frame, recv_json
from bench.replay_growth import seed_history
from bench.server import StandInProcess

GOAL_MS = 0.5
FULL_CHANNEL = "bench-cpu-full"
HISTORY = 1000
WAIT_SECONDS = 60.0
TICK = 0.01


def raw_prompt(ws_url: str, channel: str) -> None:
    """One prompt the raw way: fresh connection, send, read until its response, close."""
    message_id = str(uuid.uuid4())
    ws = websocket.create_connection(ws_url, timeout=WAIT_SECONDS, **SOCKET_OPTIONS)
    try:
        ws.send(authorization_frame(channel, "benchmark: approve me", message_id))
        while True:
            frame = recv_json(ws)
            if isinstance(frame, dict) and frame.get("correlation_id") == message_id:
                return
    finally:
        ws.close()


class PromptRounds:
    """The contenders; each returns this process's CPU ms per prompt for one round."""

    def __init__(self, server: StandInProcess, client: AiloopClient, prompts: int) -> None:
        self.server = server
        self.client = client
        self.prompts = prompts
        self.round = 0
        self.wall_ms: Dict[str, List[float]] = {"raw": [], "sdk_short": [], "sdk_full": []}

    def _measure(self, key: str, prompt: Callable[[], object]) -> float:
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        for _ in range(self.prompts):
            prompt()
        cpu = time.process_time() - cpu_before
        self.wall_ms[key].append((time.perf_counter() - wall_before) / self.prompts * 1000)
        return cpu / self.prompts * 1000

    def _sdk(self, key: str, channel: str) -> float:
        wait_connected(self.client)

        def prompt() -> object:
            return self.client.authorize(
                "benchmark: approve me", channel=channel, wait=True, wait_timeout=WAIT_SECONDS
            )

        return self._measure(key, prompt)

    def sdk_short(self) -> float:
        """SDK prompts in a channel of its own this round (history: this round's prompts)."""
        self.round += 1
        return self._sdk("sdk_short", f"bench-cpu-{self.round}")

    def sdk_full(self) -> float:
        """SDK prompts in a channel holding ``HISTORY`` messages."""
        return self._sdk("sdk_full", FULL_CHANNEL)

    def raw(self) -> float:
        """Raw prompts (the SDK's stream is disconnected meanwhile: one consumer at a time)."""
        self.client.disconnect_websocket()
        return self._measure("raw", lambda: raw_prompt(self.server.ws_url, FULL_CHANNEL))


def run(quick: bool) -> BenchResult:
    """Alternate raw, SDK (short history) and SDK (full history) rounds."""
    prompts = 10 if quick else 50
    rounds = 3 if quick else 9
    with StandInProcess(human="approve", tick=TICK) as server:
        seed_history(server.url, [FULL_CHANNEL], HISTORY)
        with AiloopClient(server.url, channel=FULL_CHANNEL) as client:
            contenders = PromptRounds(server, client, prompts)
            samples = alternate(
                rounds,
                {
                    "raw": contenders.raw,
                    "sdk_short": contenders.sdk_short,
                    "sdk_full": contenders.sdk_full,
                },
            )
    raw = Series("raw", "ms", samples["raw"])
    short = Series("SDK, short history", "ms", samples["sdk_short"])
    full = Series("SDK, 1,000 messages", "ms", samples["sdk_full"])
    extra_short = Series("extra", "ms", [s - r for s, r in zip(short.values, raw.values)])
    extra_full = Series("extra", "ms", [s - r for s, r in zip(full.values, raw.values)])
    growth = Series("growth", "ms", [f - s for f, s in zip(full.values, short.values)])
    met = extra_short.median <= GOAL_MS and extra_full.median <= GOAL_MS
    result = BenchResult(key="prompt_cpu", title="10. Client CPU per prompt")
    result.rows.append(
        Row(
            item="10. client CPU per prompt (`authorize(wait=True)`)",
            sdk=f"short history: {short.describe(2)}; 1,000 messages: {full.describe(2)}",
            baseline=f"raw script, fresh connection per prompt: {raw.describe(2)}",
            ratio=f"{extra_short.median:+.2f} ms [{min(extra_short.values):+.2f} to "
            f"{max(extra_short.values):+.2f}]; with 1,000 messages {extra_full.median:+.2f} ms "
            f"[{min(extra_full.values):+.2f} to {max(extra_full.values):+.2f}]",
            goal=f"<= +{GOAL_MS:g} ms, flat in history size",
            verdict=verdict(met and growth.median <= GOAL_MS),
        )
    )
    result.details.extend(
        [
            f"{rounds} alternating rounds of {prompts} prompts per contender (one warm-up "
            "round discarded); CPU is `time.process_time()` of this process (all of the "
            "client's threads) per prompt; the stand-in approves every prompt itself, its "
            f"interaction loop ticking every {TICK * 1000:g} ms (100 ms by default) so that "
            "a round holds more prompts.",
            "",
            f"- Extra CPU per prompt, paired per round: short history "
            f"{extra_short.describe(2)}, 1,000 messages {extra_full.describe(2)}; growth "
            f"with the history (1,000 messages minus short): {growth.describe(2)}.",
            f"- Wall time per prompt (the stand-in's {TICK * 1000:g} ms interaction tick "
            "dominates): "
            + ", ".join(
                f"{key} {Series(key, 'ms', values[1:]).median:.1f} ms"
                for key, values in contenders.wall_ms.items()
                if values[1:]
            )
            + ".",
        ]
    )
    return result
