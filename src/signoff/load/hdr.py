"""HDR latency histograms in one shape for every process, so they merge exactly."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from hdrh.histogram import HdrHistogram

# Microseconds from 1 µs to 10 minutes at three significant digits: every process uses the
# same shape, which is what makes adding encoded histograms from many workers exact.
LOWEST_US = 1
HIGHEST_US = 600_000_000
DIGITS = 3


def new() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def record_ms(histogram: HdrHistogram, ms: float) -> None:
    """Record a latency in milliseconds, clamped into the histogram's range."""
    value = min(max(round(ms * 1000.0), LOWEST_US), HIGHEST_US)
    histogram.record_value(value)


def encode(histogram: HdrHistogram) -> str:
    encoded: bytes = histogram.encode()
    return encoded.decode("ascii")


def decode(encoded: str) -> HdrHistogram:
    histogram = new()
    histogram.decode_and_add(encoded)
    return histogram


def add_encoded(target: HdrHistogram, encoded: str) -> None:
    target.decode_and_add(encoded)


@cache
def _equivalents() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lowest, highest and middle value each bucket of the one shape stands for: what
    hdrh computes bucket by bucket in Python, once for all, so a percentile is a search."""
    shape = new()
    values = [shape.get_value_from_index(i) for i in range(shape.counts_len)]
    low = np.array([shape.get_lowest_equivalent_value(v) for v in values], dtype=np.float64)
    high = np.array([shape.get_highest_equivalent_value(v) for v in values], dtype=np.float64)
    middle = np.array([shape._hdr_median_equiv_value(v) for v in values], dtype=np.float64)
    return low, high, middle


def _counts(histogram: HdrHistogram) -> np.ndarray:
    counts = np.ctypeslib.as_array(histogram.counts)[: histogram.counts_len]
    return counts.astype(np.float64)


def percentile_ms(histogram: HdrHistogram, percentile: float) -> float | None:
    """As hdrh's `get_value_at_percentile`, in milliseconds (None when nothing was recorded)."""
    if histogram.get_total_count() == 0:
        return None
    low, high, _ = _equivalents()
    target = histogram.get_target_count_at_percentile(percentile)
    index = int(np.searchsorted(np.cumsum(_counts(histogram)), target, side="left"))
    if index >= len(high):
        return 0.0
    return float(high[index] if percentile else low[index]) / 1000.0


def mean_ms(histogram: HdrHistogram) -> float | None:
    """As hdrh's `get_mean_value`, in milliseconds (None when nothing was recorded)."""
    total = int(histogram.get_total_count())
    if total == 0:
        return None
    return float(np.dot(_counts(histogram), _equivalents()[2])) / total / 1000.0


def summary_ms(histogram: HdrHistogram) -> dict[str, float | int | None]:
    """Count and the usual percentiles in milliseconds (None when nothing was recorded)."""
    count = int(histogram.get_total_count())
    return {
        "count": count,
        "p50_ms": percentile_ms(histogram, 50.0),
        "p95_ms": percentile_ms(histogram, 95.0),
        "p99_ms": percentile_ms(histogram, 99.0),
        "max_ms": float(histogram.get_max_value()) / 1000.0 if count else None,
        "mean_ms": mean_ms(histogram),
    }


def write_log(path: Path, intervals: list[tuple[float, str]], base_time: float) -> None:
    """An HdrHistogram interval log (format 1.2): one line per one-second interval.

    Lines carry times relative to `base_time` (seconds since the epoch) and values in
    microseconds, so HdrHistogram's own tools (HistogramLogProcessor, the plotter) read them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "#[Histogram log format version 1.2]",
        f"#[BaseTime: {base_time:.3f} (seconds since epoch)]",
        "#[values in microseconds]",
        '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    ]
    for start, encoded in intervals:
        peak = decode(encoded).get_max_value() / 1000.0
        lines.append(f"{start - base_time:.3f},1.000,{peak:.3f},{encoded}")
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
