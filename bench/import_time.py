"""Item 6: ``from ailoop import AiloopClient`` vs importing its dependencies.

Every sample is a fresh interpreter timing one import statement (start-up excluded) and
reporting the growth of its peak resident memory. Byte code is cached the way an
installed package has it (``PYTHONPYCACHEPREFIX`` points at a scratch directory the
warm-up rounds fill, so the working tree stays clean even when the environment sets
``PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

from bench.harness import BenchResult, Row, Series, alternate, paired_ratio, verdict
from bench.server import REPO_ROOT

GOAL = 1.2
SDK_IMPORT = "import ailoop"
BASELINE_IMPORT = "import requests, websocket, dataclasses_json"
FIRST_USE = "from ailoop import AiloopClient"
_TIMER = (
    "import resource, time; m = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
    "t = time.perf_counter(); {0}; t = time.perf_counter() - t; "
    "print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - m)"
)
_IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+\d+\s+\|\s*(\S+)")
_ENV: Dict[str, str] = {}
_MEMORY: Dict[str, List[float]] = {}


def _environment() -> Dict[str, str]:
    """The children's environment: byte code cached under a scratch directory."""
    if not _ENV:
        _ENV.update(os.environ)
        _ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        _ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="ailoop-bench-pyc-")
    return _ENV


def _fresh_import_ms(statement: str, cached: bool = True) -> float:
    """Run an import ``statement`` in a fresh interpreter; the milliseconds it took.

    ``cached=False`` writes no byte code, so the SDK's sources are compiled on every
    import (what ``PYTHONDONTWRITEBYTECODE=1`` does to a package installed editable).
    """
    env = _environment()
    if not cached:
        env = {k: v for k, v in env.items() if k != "PYTHONPYCACHEPREFIX"}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    output = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement)],
        cwd=str(REPO_ROOT),
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds, rss_kib = output.split()
    if cached:
        _MEMORY.setdefault(statement, []).append(float(rss_kib) / 1024)
    return float(seconds) * 1000


def _import_lines(statement: str) -> List[Tuple[str, float]]:
    """(module, self µs) for every module ``-X importtime`` reports for ``statement``."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=str(REPO_ROOT),
        env=_environment(),
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    lines = []
    for line in stderr.splitlines():
        match = _IMPORTTIME_LINE.match(line)
        if match is not None:
            lines.append((match.group(2), float(match.group(1))))
    return lines


def _module_costs(statement: str, runs: int) -> Dict[str, float]:
    """Self µs of every module ``statement`` loads beyond interpreter start-up, the
    smallest of ``runs`` runs (the least disturbed by the machine's other work).
    """
    at_startup = {name for name, _ in _import_lines("pass")}
    best: Dict[str, float] = {}
    for _ in range(runs):
        for name, self_us in _import_lines(statement):
            if name not in at_startup:
                best[name] = min(best.get(name, self_us), self_us)
    return best


_GROUPS = (
    (
        "the SDK's realtime modules (stream, engine, dispatcher, prompt sockets)",
        (
            "ailoop._agent",
            "ailoop._realtime",
            "ailoop._stream",
            "ailoop._dispatch",
            "ailoop._waiters",
            "ailoop._dedup",
            "ailoop._outcomes",
            "ailoop._readahead",
            "ailoop._history_reads",
            "ailoop._websocket",
            "ailoop._deadlines",
            "ailoop._uwsgi",
            "ailoop._prompts",
            "ailoop._realtime_parts",
            "ailoop._rest_history",
        ),
    ),
    ("the SDK's models", ("ailoop.models",)),
    ("the SDK's other modules", ("ailoop",)),
    ("websocket-client", ("websocket",)),
    (
        "dataclasses-json, marshmallow, typing_inspect, typing_extensions",
        (
            "dataclasses_json",
            "marshmallow",
            "typing_inspect",
            "mypy_extensions",
            "typing_extensions",
        ),
    ),
    ("requests, urllib3 and the standard library", ("",)),
)
SDK_PARTS_IMPORT = "import ailoop.client"
"""What the parts table times for the SDK: the same modules as ``FIRST_USE``, whose lazy
``from ailoop import`` goes through ``importlib``, which ``-X importtime`` does not
report (``ailoop.client``'s own time would be missing)."""


def _group_of(module: str) -> str:
    for label, prefixes in _GROUPS:
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + ".") or prefix == "":
                return label
    return _GROUPS[-1][0]


def _cost_groups(costs: Dict[str, float]) -> Dict[str, float]:
    grouped: Dict[str, float] = {label: 0.0 for label, _ in _GROUPS}
    for module, micros in costs.items():
        grouped[_group_of(module)] += micros
    return grouped


def _median_memory(statement: str) -> Optional[float]:
    values = sorted(_MEMORY.get(statement, []))
    return values[len(values) // 2] if values else None


def run(quick: bool) -> BenchResult:
    """Alternate fresh-interpreter imports of the SDK and of its dependencies."""
    rounds = 9 if quick else 21
    samples = alternate(
        rounds,
        {
            "first_use": lambda: _fresh_import_ms(FIRST_USE),
            "baseline": lambda: _fresh_import_ms(BASELINE_IMPORT),
            "package": lambda: _fresh_import_ms(SDK_IMPORT),
            "first_use_uncached": lambda: _fresh_import_ms(FIRST_USE, cached=False),
            "baseline_uncached": lambda: _fresh_import_ms(BASELINE_IMPORT, cached=False),
        },
        warmup=2,
    )
    first_use = Series(FIRST_USE, "ms", samples["first_use"])
    baseline = Series(BASELINE_IMPORT, "ms", samples["baseline"])
    package = Series(SDK_IMPORT, "ms", samples["package"])
    uncached = Series(FIRST_USE, "ms", samples["first_use_uncached"])
    baseline_uncached = Series(BASELINE_IMPORT, "ms", samples["baseline_uncached"])
    ratio = paired_ratio(first_use, baseline)
    sdk_mib, base_mib = _median_memory(FIRST_USE), _median_memory(BASELINE_IMPORT)
    memory = (
        f"; peak RSS +{sdk_mib:.1f} MiB vs +{base_mib:.1f} MiB"
        if sdk_mib is not None and base_mib is not None
        else ""
    )
    result = BenchResult(key="import_time", title="6. Import time")
    result.rows.append(
        Row(
            item=f"6. `{FIRST_USE}`",
            sdk=first_use.describe(1),
            baseline=f"`{BASELINE_IMPORT}`: {baseline.describe(1)}",
            ratio=ratio.describe() + memory,
            goal=f"<= {GOAL}x",
            verdict=verdict(ratio.median <= GOAL),
        )
    )
    result.rows.append(
        Row(
            item=f"6b. `{SDK_IMPORT}` alone (public names load on first use)",
            sdk=package.describe(1),
            baseline=f"same: {baseline.describe(1)}",
            ratio=paired_ratio(package, baseline).describe(),
            goal="(reference)",
            verdict="n/a",
        )
    )
    result.rows.append(
        Row(
            item=f"6c. `{FIRST_USE}` with no byte-code cache",
            sdk=uncached.describe(1),
            baseline=f"same imports, no cache either: {baseline_uncached.describe(1)}",
            ratio=paired_ratio(uncached, baseline_uncached).describe(),
            goal="(reference)",
            verdict="n/a",
        )
    )
    result.details.append(
        f"Fresh interpreter per sample ({rounds} alternating rounds after 2 warm-ups that "
        "also fill the byte-code cache), time of the import statement only (interpreter "
        "start-up excluded); memory is the growth of the child's peak RSS over the import. "
        "Row 6c runs as this repository's environments do (`PYTHONDONTWRITEBYTECODE=1`, "
        "the SDK installed editable, so it has no byte code): its sources are compiled on "
        "every import, while the dependencies load the byte code installed with them."
    )
    runs = 3 if quick else 7
    sdk = _cost_groups(_module_costs(SDK_PARTS_IMPORT, runs))
    base = _cost_groups(_module_costs(BASELINE_IMPORT, runs))
    sdk_total, base_total = sum(sdk.values()), sum(base.values())
    result.details.append("")
    result.details.append(
        "Where the time goes: self time per part by `-X importtime` (for the SDK "
        f"`{SDK_PARTS_IMPORT}`, which loads the same modules as `{FIRST_USE}` and "
        "reports `ailoop.client` too), the smallest of "
        f"{runs} runs per module (so the parts add up to less than the medians above):"
    )
    result.details.append("")
    result.details.append(f"| part | `{FIRST_USE}` | `{BASELINE_IMPORT}` |")
    result.details.append("|---|---|---|")
    for label, _ in _GROUPS:
        cells = f"{sdk[label] / 1000:.1f} ms | {base[label] / 1000:.1f} ms"
        result.details.append(f"| {label} | {cells} |")
    result.details.append(
        f"| **total** | {sdk_total / 1000:.1f} ms | {base_total / 1000:.1f} ms |"
    )
    result.details.append("")
    own = sum(sdk[label] for label, _ in _GROUPS[:3])
    deferred = sum(base[label] for label, _ in _GROUPS[3:5])
    estimate = sdk_total / base_total if base_total else 0.0
    result.details.append(
        f"On these figures the first use costs {estimate:.2f}x its dependencies: the SDK's own "
        f"modules ({own / 1000:.1f} ms, mostly the creation of the models' dataclasses) "
        f"against websocket-client and dataclasses-json ({deferred / 1000:.1f} ms), which "
        "the SDK loads at the first stream or prompt and at the first `to_dict`/"
        "`from_dict`/`from_json`/`schema` call; the realtime modules load with the "
        "first prompt, wait, handler, queue or subscription."
    )
    return result
