"""Item 6: ``import ailoop`` time vs ``import requests, websocket, dataclasses_json``."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Dict, List, Tuple

from bench.harness import BenchResult, Row, Series, alternate, paired_ratio, verdict
from bench.server import REPO_ROOT

GOAL = 1.2
SDK_IMPORT = "ailoop"
BASELINE_IMPORT = "requests, websocket, dataclasses_json"
FIRST_USE = "from ailoop import AiloopClient"
_TIMER = "import time; t = time.perf_counter(); {0}; print(time.perf_counter() - t)"
_IMPORTTIME_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+\d+\s+\|\s*(\S+)")


def _fresh_import_seconds(statement: str) -> float:
    """Run an import ``statement`` in a fresh interpreter; the seconds it took."""
    output = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement)],
        cwd=str(REPO_ROOT),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(output.strip())


def _import_lines(statement: str) -> List[Tuple[str, float]]:
    """(module, self µs) for every module ``-X importtime`` reports for ``statement``."""
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=str(REPO_ROOT),
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


def _costs_by_package(statement: str) -> List[Tuple[str, float]]:
    """Self time in µs per top-level package that ``statement`` itself loads."""
    at_startup = {name for name, _ in _import_lines("pass")}
    costs: Dict[str, float] = {}
    for name, self_us in _import_lines(statement):
        if name not in at_startup:
            package = name.split(".")[0]
            costs[package] = costs.get(package, 0.0) + self_us
    return sorted(costs.items(), key=lambda item: item[1], reverse=True)


def run(quick: bool) -> BenchResult:
    """Alternate fresh-interpreter imports of the SDK and of its three dependencies."""
    rounds = 9 if quick else 21
    samples = alternate(
        rounds,
        {
            "sdk": lambda: _fresh_import_seconds(f"import {SDK_IMPORT}") * 1000,
            "first_use": lambda: _fresh_import_seconds(FIRST_USE) * 1000,
            "baseline": lambda: _fresh_import_seconds(f"import {BASELINE_IMPORT}") * 1000,
        },
        warmup=2,
    )
    sdk = Series("import ailoop", "ms", samples["sdk"])
    baseline = Series("import requests, websocket, dataclasses_json", "ms", samples["baseline"])
    first_use = Series(FIRST_USE, "ms", samples["first_use"])
    ratio = paired_ratio(sdk, baseline)
    first_use_ratio = paired_ratio(first_use, baseline)
    result = BenchResult(key="import_time", title="6. Import time")
    result.rows.append(
        Row(
            item="6. `import ailoop` time",
            sdk=sdk.describe(1),
            baseline=f"`import {BASELINE_IMPORT}`: {baseline.describe(1)}",
            ratio=ratio.describe(),
            goal=f"≤ {GOAL}x",
            verdict=verdict(ratio.median <= GOAL),
        )
    )
    result.rows.append(
        Row(
            item=f"6b. `{FIRST_USE}` (loads the client and models)",
            sdk=first_use.describe(1),
            baseline=f"same: {baseline.describe(1)}",
            ratio=first_use_ratio.describe(),
            goal=f"(reference; {GOAL}x leaves the SDK's own modules "
            f"~{0.2 * baseline.median:.0f} ms)",
            verdict="n/a",
        )
    )
    result.details.append(
        f"Fresh interpreter per sample ({rounds} alternating rounds after 2 warm-ups), "
        "time of the import statement only (interpreter start-up excluded)."
    )
    result.details.append("")
    result.details.append(
        f"Where `{FIRST_USE}` spends its time (`-X importtime`, one run, modules already "
        "loaded at interpreter start-up excluded):"
    )
    result.details.append("")
    result.details.append("| package | self time |")
    result.details.append("|---|---|")
    for name, micros in _costs_by_package(FIRST_USE)[:12]:
        result.details.append(f"| `{name}` | {micros / 1000:.1f} ms |")
    return result
