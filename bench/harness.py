"""Measurement helpers: alternating rounds, medians, spreads and paired ratios."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence


@dataclass
class Series:
    """One contender's per-round values (e.g. calls/s), in the order they were measured."""

    label: str
    unit: str
    values: List[float]

    @property
    def median(self) -> float:
        """Median over the rounds."""
        return statistics.median(self.values)

    def describe(self, digits: int = 0) -> str:
        """``median unit [min-max]`` for the results table."""
        return (
            f"{_fmt(self.median, digits)} {self.unit} "
            f"[{_fmt(min(self.values), digits)}-{_fmt(max(self.values), digits)}]"
        )


@dataclass
class Ratio:
    """SDK value over baseline value, one per round (paired rounds, so drift cancels out)."""

    values: List[float]

    @property
    def median(self) -> float:
        """Median of the per-round ratios."""
        return statistics.median(self.values)

    def describe(self) -> str:
        """``0.93x [0.88-0.97]``."""
        return f"{self.median:.2f}x [{min(self.values):.2f}-{max(self.values):.2f}]"


@dataclass
class Row:
    """One line of the summary table."""

    item: str
    sdk: str
    baseline: str
    ratio: str
    goal: str
    verdict: str


@dataclass
class BenchResult:
    """What one benchmark module hands back to the runner (JSON-serialisable)."""

    key: str
    title: str
    rows: List[Row] = field(default_factory=list)
    details: List[str] = field(default_factory=list)


def paired_ratio(sdk: Series, baseline: Series) -> Ratio:
    """Per-round SDK/baseline ratio of the measured values (rates or times, as measured)."""
    return Ratio([s / b for s, b in zip(sdk.values, baseline.values)])


def paired_extra_micros(sdk: Series, baseline: Series) -> Series:
    """Per round, the µs per operation the SDK spends beyond the baseline (from rates)."""
    return Series(
        "SDK extra",
        "µs",
        [1e6 / s - 1e6 / b for s, b in zip(sdk.values, baseline.values)],
    )


def alternate(
    rounds: int, contenders: Dict[str, Callable[[], float]], warmup: int = 1
) -> Dict[str, List[float]]:
    """Run every contender once per round, reversing the order each round.

    Alternating (A B, B A, A B, ...) spreads slow drifts of a shared, noisy machine over
    all contenders; warm-up rounds (connection set-up, caches) are discarded.
    """
    names = list(contenders)
    results: Dict[str, List[float]] = {name: [] for name in names}
    for index in range(warmup + rounds):
        order = names if index % 2 == 0 else names[::-1]
        for name in order:
            value = contenders[name]()
            if index >= warmup:
                results[name].append(value)
    return results


def rate(calls: int, action: Callable[[], object]) -> float:
    """Call ``action`` ``calls`` times and return calls per second."""
    started = time.perf_counter()
    for _ in range(calls):
        action()
    return calls / (time.perf_counter() - started)


def ratio_goal_row(
    item: str, sdk: Series, baseline_label: str, baseline: Series, goal: float
) -> Row:
    """A summary row checking that the per-round SDK/baseline ratio reaches ``goal``."""
    ratio = paired_ratio(sdk, baseline)
    return Row(
        item=item,
        sdk=sdk.describe(),
        baseline=f"{baseline_label}: {baseline.describe()}",
        ratio=ratio.describe(),
        goal=f">= {goal}x",
        verdict=verdict(ratio.median >= goal),
    )


def reference_row(item: str, sdk: str, baseline: str, ratio: str = "") -> Row:
    """A summary row shown for reference, with no goal to meet."""
    return Row(
        item=item, sdk=sdk, baseline=baseline, ratio=ratio, goal="(reference)", verdict="n/a"
    )


def verdict(met: Optional[bool]) -> str:
    """Table wording for a goal check."""
    if met is None:
        return "n/a"
    return "met" if met else "**missed**"


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (``fraction`` in 0..1)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"
