"""Per-process latency recording: one-second HDR intervals per endpoint, errors and samples.

Each Locust process (standalone, or every worker) owns one `IntervalRecorder`. When a second is
complete its histograms are encoded into a chunk and handed to a sink: in a standalone run the
sink appends to the collector's file, on a worker it is a message to the master. Phases are
assigned later from wall-clock time, so workers never need to know the load shape. Every flush
sends at least one chunk, with the process's CPU seconds at that moment: the chunks are also
the evidence that a worker was alive, and of how busy it was.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from signoff.load import hdr

Chunk = dict[str, Any]

# The file protocol between the engine and the Locust processes (which import gevent and
# patch the standard library: the engine must never import them).
PLAN_ENV = "SIGNOFF_LOAD_PLAN"
OUT_ENV = "SIGNOFF_LOAD_OUT"
# the target's request headers (JSON): the credential stays out of the plan file, which is evidence
HEADERS_ENV = "SIGNOFF_LOAD_HEADERS"
# a worker's name in the record (default: host and process id)
WORKER_ENV = "SIGNOFF_LOAD_WORKER_NAME"
CHUNKS = "chunks.jsonl"
PHASES = "phases.json"
ABORT = "abort.json"
Sink = Callable[[Chunk], None]

# Raw samples kept per endpoint and second in one process; the analysis draws a weighted,
# uniform sample per phase from these, so a second's weight is its count over what was kept.
SAMPLES_PER_SECOND = 40


class _Second:
    def __init__(self) -> None:
        self.histograms: dict[str, HdrHistogram] = {}
        self.errors: dict[str, int] = {}
        self.dropped: dict[str, int] = {}
        self.samples: dict[str, list[float]] = {}
        self.seen: dict[str, int] = {}


class IntervalRecorder:
    """Records request latencies into per-second, per-endpoint histograms of one process."""

    def __init__(
        self,
        worker: str,
        sink: Sink,
        rng: random.Random | None = None,
        cpu: Callable[[], float] | None = None,
    ) -> None:
        self.worker = worker
        self.sink = sink
        self.rng = rng or random.Random()
        self.cpu = cpu
        self._seconds: dict[int, _Second] = {}
        self._lock = threading.Lock()

    def record(self, name: str, ms: float, failed: bool, now: float | None = None) -> None:
        second = self._slot(now)
        histogram = second.histograms.get(name)
        if histogram is None:
            histogram = second.histograms[name] = hdr.new()
        hdr.record_ms(histogram, ms)
        if failed:
            second.errors[name] = second.errors.get(name, 0) + 1
        seen = second.seen.get(name, 0) + 1
        second.seen[name] = seen
        kept = second.samples.setdefault(name, [])
        if len(kept) < SAMPLES_PER_SECOND:
            kept.append(round(ms, 3))
        else:
            slot = self.rng.randrange(seen)
            if slot < SAMPLES_PER_SECOND:
                kept[slot] = round(ms, 3)

    def drop(self, name: str, now: float | None = None) -> None:
        """Count a request that could not be started on time (open model)."""
        second = self._slot(now)
        second.dropped[name] = second.dropped.get(name, 0) + 1

    def _slot(self, now: float | None) -> _Second:
        key = int(now if now is not None else time.time())
        with self._lock:
            slot = self._seconds.get(key)
            if slot is None:
                slot = self._seconds[key] = _Second()
            return slot

    def flush(self, final: bool = False, now: float | None = None) -> int:
        """Send every completed second (all of them when `final`), or an empty chunk when none
        is complete; returns how many seconds were sent."""
        moment = now if now is not None else time.time()
        current = int(moment)
        with self._lock:
            ready = sorted(k for k in self._seconds if final or k < current)
            taken = [(k, self._seconds.pop(k)) for k in ready]
        reading = [round(moment, 3), round(self.cpu(), 4)] if self.cpu is not None else None
        for key, second in taken or [(current - 1, _Second())]:
            chunk = self._chunk(key, second)
            if reading is not None:
                chunk["cpu"] = reading
            self.sink(chunk)
        return len(taken)

    def _chunk(self, key: int, second: _Second) -> Chunk:
        endpoints = {
            name: {
                "hist": hdr.encode(histogram),
                "count": int(histogram.get_total_count()),
                "errors": second.errors.get(name, 0),
                "samples": second.samples.get(name, []),
            }
            for name, histogram in second.histograms.items()
        }
        return {
            "worker": self.worker,
            "second": key,
            "endpoints": endpoints,
            "dropped": second.dropped,
        }


class ChunkFile:
    """Appends chunks as JSON lines; the one file the analysis reads back."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()

    def __call__(self, chunk: Chunk) -> None:
        line = json.dumps(chunk, separators=(",", ":"))
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def read_chunks(path: Path) -> list[Chunk]:
    """Every chunk in the file; a torn last line (a killed process) is ignored."""
    if not path.is_file():
        return []
    chunks: list[Chunk] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            chunks.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return chunks
