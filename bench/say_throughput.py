"""Items 1 and 7: ``say()`` throughput vs a raw ``requests.Session`` and ``httpx.Client`` loop.

All three send the same notification JSON to ``POST /api/v1/messages`` with the same
headers and read the 201 body as JSON; they alternate round by round against one stand-in
server running in its own process.
"""

from __future__ import annotations

import json
from typing import Callable, Dict

import httpx
import requests

import ailoop
from ailoop.client import AiloopClient
from bench.harness import (
    BenchResult,
    Series,
    alternate,
    paired_extra_micros,
    paired_ratio,
    rate,
    ratio_goal_row,
    reference_row,
)
from bench.server import StandInProcess

GOAL = 0.9
CHANNEL = "bench"
TEXT = "Build #812 finished"


def _body() -> bytes:
    """The JSON ``say()`` sends (a fixed id is fine: the server never de-duplicates)."""
    message = {
        "id": "0c1d2e3f-aaaa-4bbb-8ccc-dddd0000eeee",
        "channel": CHANNEL,
        "sender_type": "AGENT",
        "content": {"type": "notification", "text": TEXT, "priority": "normal"},
        "timestamp": "2026-06-11T09:30:00.123456Z",
        "correlation_id": None,
    }
    return json.dumps(message).encode("utf-8")


HEADERS = {
    "User-Agent": f"ailoop-py/{ailoop.__version__}",
    "Content-Type": "application/json",
    "Accept": "application/json",
}
"""What the SDK sends with every POST (the Session headers plus the JSON content type)."""


def raw_requests_call(session: requests.Session, url: str, body: bytes) -> Callable[[], object]:
    """One raw ``requests`` POST + JSON read, as a zero-argument callable."""

    def call() -> object:
        response = session.post(url, data=body, headers=HEADERS, timeout=30)
        response.raise_for_status()
        return response.json()

    return call


def raw_httpx_call(client: httpx.Client, url: str, body: bytes) -> Callable[[], object]:
    """One raw ``httpx`` POST + JSON read, as a zero-argument callable."""

    def call() -> object:
        response = client.post(url, content=body, headers=HEADERS)
        response.raise_for_status()
        return response.json()

    return call


def mirrored_session(client: AiloopClient) -> requests.Session:
    """A plain Session with the SDK Sessions' options (``trust_env``, headers, TLS, proxies)."""
    settings = client._options.connection  # the benchmark mirrors the SDK's own options
    session = requests.Session()
    session.trust_env = False  # the SDK resolved the environment once, into its settings
    session.headers.update(settings.headers)
    session.verify = settings.verify
    session.proxies.update(settings.proxies)
    return session


def run(quick: bool) -> BenchResult:
    """Alternate SDK, raw requests and raw httpx rounds against one stand-in."""
    calls = 200 if quick else 500
    rounds = 5 if quick else 11
    body = _body()
    with StandInProcess() as server, AiloopClient(server.url, channel=CHANNEL) as client:
        session = mirrored_session(client)
        trust_env = session.trust_env
        url = server.url + "/api/v1/messages"
        with session, httpx.Client(trust_env=trust_env, timeout=30) as hx:
            contenders: Dict[str, Callable[[], float]] = {
                "sdk": lambda: rate(calls, lambda: client.say(TEXT, priority="normal")),
                "requests": lambda: rate(calls, raw_requests_call(session, url, body)),
                "httpx": lambda: rate(calls, raw_httpx_call(hx, url, body)),
            }
            samples = alternate(rounds, contenders)
    sdk = Series("say()", "calls/s", samples["sdk"])
    raw = Series("requests.Session", "calls/s", samples["requests"])
    hx_series = Series("httpx.Client", "calls/s", samples["httpx"])
    overhead = paired_extra_micros(sdk, raw)
    result = BenchResult(key="say_throughput", title="1 and 7. say() throughput")
    result.rows.append(
        ratio_goal_row("1. `say()` throughput", sdk, "raw `requests.Session`", raw, GOAL)
    )
    result.rows.append(
        reference_row(
            "7. same POST with `httpx.Client`",
            sdk.describe(),
            f"raw `httpx.Client`: {hx_series.describe()}",
            paired_ratio(sdk, hx_series).describe(),
        )
    )
    result.details.extend(
        [
            f"{rounds} alternating rounds of {calls} sequential calls each (one warm-up round "
            f"discarded), one connection kept alive per contender, `trust_env={trust_env}` "
            "for all three (mirrored from the SDK's Session).",
            "",
            f"- Per-call time: SDK {1e6 / sdk.median:.0f} µs, raw requests "
            f"{1e6 / raw.median:.0f} µs, raw httpx {1e6 / hx_series.median:.0f} µs.",
            f"- Overhead the SDK adds over raw requests, per round: **{overhead.median:.0f} µs "
            f"per call** [{min(overhead.values):.0f} to {max(overhead.values):.0f}] "
            "(where it goes: see the profile below).",
            f"- httpx vs requests: {paired_ratio(hx_series, raw).describe()} "
            "(above 1: httpx is faster).",
        ]
    )
    return result
