"""Item 1, continued: where the per-call time of ``say()`` goes.

Three views: cProfile self time per area (SDK vs the raw requests loop, same server),
the SDK's own pure-Python steps timed in a loop without any I/O, and what requests'
``trust_env`` look-ups would cost per call (the SDK turns them off and resolves the
environment once).
"""

from __future__ import annotations

import cProfile
import json
import pstats
import time
from typing import Callable, Dict, List, Tuple

import requests

from ailoop import Message, NotificationPriority
from ailoop._prompts import notification_message
from ailoop._validation import validate_priority, validate_text
from ailoop.client import AiloopClient
from bench.harness import BenchResult, Series, alternate, paired_ratio, rate
from bench.say_throughput import CHANNEL, TEXT, mirrored_session, raw_requests_call
from bench.server import StandInProcess

#: (area, substrings of a profiled function's file or name), first match wins.
AREAS: List[Tuple[str, Tuple[str, ...]]] = [
    # "<wire encoder of Message>": the models' generated codecs have no file.
    ("ailoop (SDK code)", ("/ailoop/", "<wire ")),
    ("requests", ("/requests/",)),
    ("urllib3", ("/urllib3/",)),
    ("http.client + email header parsing", ("/http/client.py", "/email/")),
    ("socket calls (kernel side of loopback I/O)", ("socket", "selectors", "/ssl.py", "select.")),
    ("json", ("/json/", "_json")),
    ("uuid, datetime, re, enum", ("/uuid.py", "datetime", "/re/", "/enum.py", "_sre")),
    ("dataclasses-json / marshmallow", ("dataclasses_json", "marshmallow")),
]


def _area(filename: str, function: str) -> str:
    where = f"{filename}:{function}"
    for area, needles in AREAS:
        if any(needle in where for needle in needles):
            return area
    return "other (stdlib, interpreter)"


def _profile_alternating(
    calls: int, sdk: Callable[[], object], raw: Callable[[], object], chunks: int = 4
) -> Tuple[pstats.Stats, pstats.Stats]:
    """Profile SDK and raw calls in alternating chunks, on CPU time of the calling thread.

    Thread CPU time (not wall time) keeps the time spent waiting for the server, which
    both sides share, out of the comparison.
    """
    sdk_profiler = cProfile.Profile(time.thread_time)
    raw_profiler = cProfile.Profile(time.thread_time)
    for _ in range(chunks):
        for profiler, action in ((sdk_profiler, sdk), (raw_profiler, raw)):
            profiler.enable()
            for _ in range(calls // chunks):
                action()
            profiler.disable()
    return pstats.Stats(sdk_profiler), pstats.Stats(raw_profiler)


def _per_area(stats: pstats.Stats, calls: int) -> Dict[str, float]:
    """Self CPU time per area in µs per call."""
    per_area: Dict[str, float] = {}
    for (filename, _line, function), entry in stats.stats.items():  # type: ignore[attr-defined]
        area = _area(filename, function)
        per_area[area] = per_area.get(area, 0.0) + entry[2] * 1e6 / calls
    return per_area


def _top_sdk_functions(stats: pstats.Stats, calls: int, count: int) -> List[Tuple[str, float]]:
    rows = []
    for (filename, line, function), entry in stats.stats.items():  # type: ignore[attr-defined]
        if "/ailoop/" in filename:
            short = filename.split("/ailoop/", 1)[1]
            rows.append((f"`ailoop/{short}:{line}` {function}", entry[3] * 1e6 / calls))
        elif filename.startswith("<wire "):
            rows.append((f"`{filename}`", entry[3] * 1e6 / calls))
    rows.sort(key=lambda row: row[1], reverse=True)
    return rows[:count]


def _step_costs(response_body: bytes) -> List[Tuple[str, float]]:
    """µs per call of the SDK's own steps, without I/O."""
    decoded = json.loads(response_body)
    built = notification_message(CHANNEL, TEXT, NotificationPriority.NORMAL)
    steps: List[Tuple[str, Callable[[], object]]] = [
        (
            "check the arguments (`validate_text`, `validate_priority`)",
            lambda: (validate_text(TEXT, "message"), validate_priority("normal")),
        ),
        (
            "build the notification Message (uuid4, timestamp)",
            lambda: notification_message(CHANNEL, TEXT, NotificationPriority.NORMAL),
        ),
        ("encode a built one (`to_wire()`)", built.to_wire),
        (
            "build and encode it",
            lambda: notification_message(CHANNEL, TEXT, NotificationPriority.NORMAL).to_wire(),
        ),
        ("`json.dumps` of the wire object (requests does it)", lambda: json.dumps(decoded)),
        ("`json.loads` of the 201 body", lambda: json.loads(response_body)),
        ("decode the 201 body (`Message.from_wire`)", lambda: Message.from_wire(decoded)),
        ("decode it with dataclasses-json `from_dict` instead", lambda: Message.from_dict(decoded)),
    ]
    costs = []
    for label, step in steps:
        repeats = 300 if "from_dict" in label else 3000
        costs.append((label, 1e6 / rate(repeats, step)))
    return costs


def run(quick: bool) -> BenchResult:
    """Profile ``say()`` and the raw loop; time the SDK's steps; price ``trust_env``."""
    calls = 300 if quick else 1000
    result = BenchResult(key="say_profile", title="1b. Where the per-call time of say() goes")
    with StandInProcess() as server, AiloopClient(server.url, channel=CHANNEL) as client:
        url = server.url + "/api/v1/messages"
        session = mirrored_session(client)
        with session:
            body = json.dumps(client.say(TEXT).to_wire()).encode("utf-8")
            raw_call = raw_requests_call(session, url, body)
            sdk_stats, raw_stats = _profile_alternating(
                calls, lambda: client.say(TEXT, priority="normal"), raw_call
            )
            sdk_areas, raw_areas = _per_area(sdk_stats, calls), _per_area(raw_stats, calls)
            env_session = requests.Session()
            env_session.headers.update(session.headers)
            with env_session:
                trust_samples = alternate(
                    5 if quick else 9,
                    {
                        "off": lambda: rate(calls // 2, raw_call),
                        "on": lambda: rate(calls // 2, raw_requests_call(env_session, url, body)),
                    },
                )
        response_body = body
    result.details.append(
        f"cProfile self CPU time (thread time) per area, µs per call ({calls} calls each, "
        "in alternating chunks; the profiler inflates call-heavy code, so read the "
        "differences, not the totals):"
    )
    result.details.append("")
    result.details.append("| area | `say()` | raw requests loop | difference |")
    result.details.append("|---|---|---|---|")
    areas = sorted(set(sdk_areas) | set(raw_areas), key=lambda a: -sdk_areas.get(a, 0.0))
    for area in areas:
        sdk_us, raw_us = sdk_areas.get(area, 0.0), raw_areas.get(area, 0.0)
        result.details.append(f"| {area} | {sdk_us:.0f} | {raw_us:.0f} | {sdk_us - raw_us:+.0f} |")
    total_sdk, total_raw = sum(sdk_areas.values()), sum(raw_areas.values())
    result.details.append(
        f"| **total** | {total_sdk:.0f} | {total_raw:.0f} | {total_sdk - total_raw:+.0f} |"
    )
    result.details.append("")
    result.details.append("Heaviest SDK functions under the profiler (cumulative CPU µs per call):")
    result.details.append("")
    for name, micros in _top_sdk_functions(sdk_stats, calls, 8):
        result.details.append(f"- {name}: {micros:.0f} µs")
    result.details.append("")
    result.details.append("The SDK's own steps timed without I/O or profiler (µs per call):")
    result.details.append("")
    for label, micros in _step_costs(response_body):
        result.details.append(f"- {label}: {micros:.1f} µs")
    on = Series("trust_env=True", "calls/s", trust_samples["on"])
    off = Series("trust_env=False", "calls/s", trust_samples["off"])
    result.details.append("")
    result.details.append(
        f"`trust_env`: a raw requests loop with `trust_env=True` runs at {on.describe()} vs "
        f"{off.describe()} with `trust_env=False` ({paired_ratio(on, off).describe()}), i.e. "
        f"the per-call environment look-ups (proxies, `no_proxy`, netrc, CA bundle "
        f"variables) cost about {1e6 / on.median - 1e6 / off.median:.0f} µs per call. "
        "The SDK resolves them once per client (`ailoop/_connection.py`) and keeps "
        "`trust_env=False`, so environment proxies still apply."
    )
    return result
