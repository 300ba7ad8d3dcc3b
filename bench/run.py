"""Run the benchmarks, each in a fresh child process, and regenerate ``BENCHMARKS.md``.

Usage: ``python -m bench [--quick] [--only KEY,...] [--output PATH] [--results DIR]``
(or ``python bench/run.py ...``). A full run writes ``BENCHMARKS.md`` at the repository
root; ``--only`` prints the partial report instead unless ``--output`` is given. With
``--results DIR`` each benchmark's result is also kept as ``DIR/KEY.json``, and the
report takes the results of the benchmarks not run this time from there (so a long run
can be completed in parts; each part's section says when it ran).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence

if __package__ in (None, ""):  # started as ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BenchResult, Row
from bench.report import render_report
from bench.server import REPO_ROOT

#: Benchmark key -> module, in report order.
BENCHMARKS = {
    "say_throughput": "bench.say_throughput",
    "say_profile": "bench.say_profile",
    "delivery": "bench.delivery",
    "response_latency": "bench.response_latency",
    "idle_cost": "bench.idle_cost",
    "replay_growth": "bench.replay_growth",
    "wait_scale": "bench.wait_scale",
    "prompt_cpu": "bench.prompt_cpu",
    "dedup_memory": "bench.dedup_memory",
    "fleet": "bench.fleet",
    "import_time": "bench.import_time",
}
CHILD_TIMEOUT_SECONDS = 600


def _parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller loads")
    parser.add_argument("--only", default="", help="comma-separated keys: " + ", ".join(BENCHMARKS))
    parser.add_argument("--output", default=None, help="where to write the Markdown report")
    parser.add_argument(
        "--results", default=None, help="directory keeping each benchmark's result as JSON"
    )
    parser.add_argument(
        "--render", action="store_true", help="run nothing: write the report from --results"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _run_child(key: str, quick: bool, result_file: str) -> None:
    """In the child process: run one benchmark and write its result as JSON."""
    module = importlib.import_module(BENCHMARKS[key])
    result: BenchResult = module.run(quick)
    Path(result_file).write_text(json.dumps(dataclasses.asdict(result)), encoding="utf-8")


def _result_from_json(text: str) -> BenchResult:
    data = json.loads(text)
    rows = [Row(**row) for row in data.pop("rows")]
    return BenchResult(rows=rows, **data)


def _failed(key: str, reason: str) -> BenchResult:
    result = BenchResult(key=key, title=key)
    result.rows.append(Row(key, "failed", "", "", "", "**failed**"))
    result.details.append("```")
    result.details.extend(reason.strip().splitlines()[-15:])
    result.details.append("```")
    return result


def _run_in_child(key: str, quick: bool) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="ailoop-bench-") as scratch:
        result_file = os.path.join(scratch, "result.json")
        command = [sys.executable, "-m", "bench.run", "--child", key, "--result-file", result_file]
        if quick:
            command.append("--quick")
        try:
            finished = subprocess.run(
                command,
                cwd=str(REPO_ROOT),
                stderr=subprocess.PIPE,
                text=True,
                timeout=CHILD_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _failed(key, f"timed out after {CHILD_TIMEOUT_SECONDS} s")
        if finished.returncode != 0 or not os.path.exists(result_file):
            return _failed(key, finished.stderr or f"exit code {finished.returncode}")
        return _result_from_json(Path(result_file).read_text(encoding="utf-8"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m bench``."""
    args = _parse_args(argv)
    if args.child:
        _run_child(args.child, args.quick, args.result_file)
        return 0
    keys: List[str] = [k for k in args.only.split(",") if k] or list(BENCHMARKS)
    if args.render:
        if not args.results:
            sys.stderr.write("--render needs --results DIR\n")
            return 2
        keys = []
    unknown = [k for k in keys if k not in BENCHMARKS]
    if unknown:
        sys.stderr.write(f"unknown benchmark(s): {', '.join(unknown)}\n")
        return 2
    load_before = os.getloadavg()
    started = time.monotonic()
    fresh = {}
    for key in keys:
        sys.stderr.write(f"bench: {key} ...\n")
        sys.stderr.flush()
        key_started = time.monotonic()
        result = _run_in_child(key, args.quick)
        result.details.append("")
        result.details.append(
            f"_Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"load average {os.getloadavg()[0]:.1f}, {time.monotonic() - key_started:.0f} s._"
        )
        fresh[key] = result
        if args.results:
            Path(args.results).mkdir(parents=True, exist_ok=True)
            saved = json.dumps(dataclasses.asdict(result))
            (Path(args.results) / f"{key}.json").write_text(saved, encoding="utf-8")
        sys.stderr.write(f"bench: {key} done in {time.monotonic() - key_started:.1f} s\n")
    results = []
    for key in BENCHMARKS:
        if key in fresh:
            results.append(fresh[key])
        elif args.results and (Path(args.results) / f"{key}.json").exists():
            results.append(
                _result_from_json((Path(args.results) / f"{key}.json").read_text("utf-8"))
            )
    report = render_report(
        results,
        quick=args.quick,
        load_before=load_before,
        load_after=os.getloadavg(),
        elapsed=None if args.render else time.monotonic() - started,
    )
    complete = len(results) == len(BENCHMARKS)
    output = args.output or (str(REPO_ROOT / "BENCHMARKS.md") if complete else None)
    if output is None:
        sys.stdout.write(report)
    else:
        Path(output).write_text(report, encoding="utf-8")
        sys.stderr.write(f"bench: wrote {output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
