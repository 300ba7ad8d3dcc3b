"""Item 11: memory of the de-duplication set at its configured bound.

The realtime engine remembers the ids it has seen (``ailoop._dedup.SeenMessages``) so a
replayed or caught-up message is never handed to handlers twice. This fills a fresh
memory, built exactly as the engine builds it, past its bound (more channels and more ids
per channel than it keeps, ids in the form the engine stores) and measures the growth of
the process's resident memory (allocator overhead included, which ``tracemalloc`` would
not show); nothing else runs in this process meanwhile.
"""

from __future__ import annotations

import gc
import time
from typing import Any, Tuple

from ailoop import _dedup
from bench.harness import BenchResult, Row, verdict
from bench.wait_scale import rss_mib

GOAL_MIB = 32.0
OVERFILL = 1.2  # feed 20% more than the bound, so eviction runs too


def _bound() -> Tuple[int, int, str]:
    """(channels, ids per channel) the memory keeps at most, from its module's settings,
    and how the bound is configured.
    """
    per_channel = int(getattr(_dedup, "IDS_PER_CHANNEL", 2000))
    budget = getattr(_dedup, "MAX_BYTES", None)
    if budget is not None:  # a byte budget: ~10 bytes per id, see ailoop/_dedup.py
        channels = int(budget) // (per_channel * 10)
        described = f"a {int(budget) / 2**20:g} MiB budget, {per_channel:,} ids per channel"
        return channels, per_channel, described
    channels = int(getattr(_dedup, "MAX_CHANNELS", 1000))
    return channels, per_channel, f"{channels:,} channels x {per_channel:,} ids"


def _fill(memory: Any, channels: int, per_channel: int) -> int:
    """Feed ``channels`` x ``per_channel`` fresh ids (UUID text, as the engine stores
    them), channel by channel; the count fed.
    """
    fed = 0
    for index in range(channels):
        channel = f"channel-{index:05d}"
        for number in range(per_channel):
            memory.add(channel, f"{index:08x}-0000-4000-8000-{number:012x}")
            fed += 1
    return fed


def run(quick: bool) -> BenchResult:
    """Fill the de-duplication memory past its bound and measure it."""
    channels, per_channel, bound = _bound()
    scale = 0.1 if quick else 1.0  # quick: a tenth of the channels, same ids per channel
    feed_channels = max(1, int(channels * OVERFILL * scale))
    feed_ids = int(per_channel * OVERFILL)
    gc.collect()
    rss_before = rss_mib()
    memory = _dedup.SeenMessages()
    started = time.perf_counter()
    fed = _fill(memory, feed_channels, feed_ids)
    seconds = time.perf_counter() - started
    gc.collect()
    held_mib = rss_mib() - rss_before
    full_scale_mib = held_mib / scale
    result = BenchResult(key="dedup_memory", title="11. De-duplication memory")
    result.rows.append(
        Row(
            item="11. de-duplication memory at its configured bound",
            sdk=f"{full_scale_mib:.1f} MiB"
            + ("" if scale == 1.0 else f" (extrapolated from {held_mib:.1f} MiB at 1/10)"),
            baseline=f"bound: {bound}",
            ratio="",
            goal=f"<= {GOAL_MIB:g} MiB",
            verdict=verdict(full_scale_mib <= GOAL_MIB),
        )
    )
    result.details.extend(
        [
            f"A fresh `SeenMessages()` fed {fed:,} distinct lower-case UUID-form ids "
            f"({feed_channels:,} channels x {feed_ids:,} ids: {OVERFILL:g}x its bound "
            f"({channels:,} channels x {per_channel:,} ids) in both directions) in "
            f"{seconds:.1f} s ({seconds / fed * 1e6:.2f} µs per id); "
            f"resident memory grew by {held_mib:.1f} MiB.",
        ]
    )
    return result
