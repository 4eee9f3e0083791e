"""Server-side figures during a run: the metrics page scraped on an interval, the service's RSS
sampled.

The client's latency tells what users saw; these say why: cache hit ratio, database query
p95, pool usage and server errors per phase, and for soak runs whether memory keeps growing.
Which metrics mean what is the target's `[target.metrics]`; a figure whose metric is not named
there (or a service without a metrics page) is simply absent.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from signoff.interrupts import quiet
from signoff.target import Metrics

# labels that carry the HTTP status of a request counter, by common convention
STATUS_LABELS = ("status", "code", "status_code")


@dataclass
class Sample:
    t: float
    values: dict[str, float] = field(default_factory=dict)
    db_buckets: dict[float, float] = field(default_factory=dict)


def _base(name: str) -> str:
    """A counter's name without its `_total` suffix (the exposition adds it; configs vary)."""
    return name.removesuffix("_total")


def parse_metrics(text: str, t: float, metrics: Metrics) -> Sample:
    """The figures signoff keeps from one exposition of the service's metrics.

    requests: a counter with the status in a `status` (or `code`) label; cache_hits and
    cache_misses: counters; db_query_seconds: a histogram; db_pool: a gauge with a `state`
    label (`in_use`, `max`); resident_memory: a gauge in bytes.
    """
    sample = Sample(t)
    values = sample.values
    counters = {
        _base(name): key
        for name, key in (
            (metrics.cache_hits, "cache_hits"),
            (metrics.cache_misses, "cache_misses"),
            (metrics.requests, "requests"),
        )
        if name
    }
    bucket = f"{metrics.db_query_seconds}_bucket" if metrics.db_query_seconds else None
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            name, labels, value = s.name, s.labels, float(s.value)
            key = counters.get(_base(name)) if not name.endswith("_created") else None
            if key == "requests":
                status = next((labels[k] for k in STATUS_LABELS if k in labels), "")
                key = "http_5xx" if status.startswith("5") else "http_other"
                values[key] = values.get(key, 0.0) + value
            elif key is not None:
                values[key] = value
            elif name == bucket:
                sample.db_buckets[float(labels["le"])] = value
            elif metrics.db_pool and name == metrics.db_pool:
                values[f"pool_{labels.get('state', '')}"] = value
            elif metrics.resident_memory and name == metrics.resident_memory:
                values["metrics_rss_bytes"] = value
    return sample


def read_rss(pid: int) -> float | None:
    """Resident memory of a process in bytes, from /proc/<pid>/status."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        return None
    return None


class Scraper(threading.Thread):
    """Scrapes `url` (none: no scrapes) and samples the RSS of `pid` every `interval` seconds."""

    def __init__(self, url: str, metrics: Metrics, pid: int | None, interval: float) -> None:
        super().__init__(name="signoff-scraper", daemon=True)
        self.url = url
        self.metrics = metrics
        self.pid = pid
        self.interval = interval
        self.samples: list[Sample] = []
        self.rss: list[tuple[float, float]] = []
        self.failures = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=max(self.interval, 2.0)) as client:
            while not self._stop_event.is_set():
                self.scrape_once(client)
                self._stop_event.wait(self.interval)
            self.scrape_once(client)

    def scrape_once(self, client: httpx.Client) -> None:
        now = time.time()
        if self.pid is not None:
            rss = read_rss(self.pid)
            if rss is not None:
                self.rss.append((now, rss))
        if not self.url:
            return
        try:
            response = client.get(self.url)
            response.raise_for_status()
            self.samples.append(parse_metrics(response.text, now, self.metrics))
        except (httpx.HTTPError, ValueError):
            self.failures += 1

    def start(self) -> None:
        quiet(super().start)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10.0)


def _at(samples: list[Sample], t: float) -> Sample | None:
    """The last sample taken at or before `t` (the first one if none was)."""
    before = [s for s in samples if s.t <= t]
    return before[-1] if before else (samples[0] if samples else None)


def quantile_from_buckets(buckets: dict[float, float], q: float) -> float | None:
    """Prometheus' histogram_quantile over cumulative buckets (upper bounds in seconds)."""
    ordered = sorted(buckets.items())
    if not ordered or ordered[-1][1] <= 0:
        return None
    rank = q * ordered[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if math.isinf(bound):
                return lower
            span = count - below
            return lower + (bound - lower) * ((rank - below) / span if span else 1.0)
        lower, below = bound, count
    return None


def window_figures(
    samples: list[Sample], start: float, end: float, metrics: Metrics
) -> dict[str, Any]:
    """Server figures over [start, end]: deltas of counters, peaks of gauges; only those whose
    metric the target names."""
    first, last = _at(samples, start), _at(samples, end)
    inside = [s for s in samples if start <= s.t <= end]
    if first is None or last is None or first is last:
        return {"scrapes": len(inside)}

    def delta(key: str) -> float:
        return max(last.values.get(key, 0.0) - first.values.get(key, 0.0), 0.0)

    out: dict[str, Any] = {"scrapes": len(inside)}
    if metrics.cache_hits and metrics.cache_misses:
        hits, misses = delta("cache_hits"), delta("cache_misses")
        out["cache_hit_ratio"] = round(hits / (hits + misses), 4) if hits + misses else None
    if metrics.db_query_seconds:
        buckets = {
            le: last.db_buckets.get(le, 0.0) - first.db_buckets.get(le, 0.0)
            for le in last.db_buckets
        }
        db_p95 = quantile_from_buckets(buckets, 0.95)
        out["db_query_p95_ms"] = round(db_p95 * 1000.0, 3) if db_p95 is not None else None
        out["db_queries"] = int(buckets.get(math.inf, 0.0))
    if metrics.db_pool:
        in_use = [s.values.get("pool_in_use", 0.0) for s in inside] or [0.0]
        pool_max = last.values.get("pool_max", 0.0)
        out["pool_in_use_max"] = max(in_use)
        out["pool_max"] = pool_max
        out["pool_usage_max"] = round(max(in_use) / pool_max, 4) if pool_max else None
    if metrics.requests:
        out["server_5xx"] = int(delta("http_5xx"))
        out["server_requests"] = int(delta("http_5xx") + delta("http_other"))
    return out


def leak_suspect(
    rss: list[tuple[float, float]], min_mb_per_min: float, min_r2: float
) -> dict[str, Any]:
    """A steady linear growth of RSS (slope and fit both high) flags a leak suspect."""
    if len(rss) < 10:
        return {"suspect": None, "reason": f"only {len(rss)} RSS samples"}
    xs = [(t - rss[0][0]) / 60.0 for t, _ in rss]
    ys = [v / 1_048_576.0 for _, v in rss]
    slope, r2 = _fit(xs, ys)
    return {
        "suspect": slope >= min_mb_per_min and r2 >= min_r2,
        "mb_per_min": round(slope, 3),
        "r2": round(r2, 3),
        "start_mb": round(ys[0], 1),
        "end_mb": round(ys[-1], 1),
        "samples": len(rss),
    }


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and coefficient of determination of ys over xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    if sxx == 0 or syy == 0:
        return 0.0, 0.0
    return sxy / sxx, (sxy * sxy) / (sxx * syy)
