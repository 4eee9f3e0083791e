"""Raw evidence the comparison needs, read from a run's layer folders into plain data.

Latency samples come from `<layer>/samples.json` (`{"<endpoint> | <phase>": [ms, ...]}`),
throughput from `<layer>/throughput.json` (`{"<phase>": [rps per second, ...]}`), benchmark
timings from pytest-benchmark JSON (`stats.data`), failed tests from JUnit XML and security
findings from a record's `figures.findings`. Unreadable evidence raises EvidenceError.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from signoff.errors import EvidenceError
from signoff.records import LayerRecord

SAMPLES = "samples.json"
THROUGHPUT = "throughput.json"


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"The evidence file {path} is unreadable: {exc}.") from exc


def thin(values: list[float], limit: int) -> list[float]:
    """At most `limit` values, evenly spaced over the run so every part of it stays in."""
    if len(values) <= limit:
        return values
    step = len(values) / limit
    return [values[int(i * step)] for i in range(limit)]


def _series(path: Path, prefix: str, limit: int) -> dict[str, list[float]]:
    data = _load(path)
    if not isinstance(data, dict):
        raise EvidenceError(f"The evidence file {path} is not a JSON object of lists.")
    out: dict[str, list[float]] = {}
    for key, values in data.items():
        if not isinstance(values, list) or not all(isinstance(v, int | float) for v in values):
            raise EvidenceError(f"{path}: the series {key!r} is not a list of numbers.")
        out[f"{prefix}: {key}"] = thin([float(v) for v in values], limit)
    return out


def benchmark_files(run_dir: Path, records: list[LayerRecord]) -> list[Path]:
    return [
        run_dir / path
        for record in records
        for key, path in sorted(record.artifacts.items())
        if key.endswith("benchmark_json")
    ]


def benchmark_samples(path: Path, limit: int) -> dict[str, list[float]]:
    """Raw timings (seconds) of each benchmark in a pytest-benchmark JSON file."""
    data = _load(path)
    out: dict[str, list[float]] = {}
    for bench in data.get("benchmarks", []) if isinstance(data, dict) else []:
        raw = bench.get("stats", {}).get("data")
        if not raw:
            raise EvidenceError(
                f"{path}: benchmark {bench.get('fullname')!r} kept no raw "
                "samples; run pytest-benchmark with --benchmark-json."
            )
        out[str(bench.get("fullname") or bench.get("name"))] = thin([float(v) for v in raw], limit)
    return out


def samples(
    run_dir: Path, records: list[LayerRecord], limit: int
) -> dict[str, dict[str, list[float]]]:
    """Every latency, throughput and benchmark series of a run."""
    latency: dict[str, list[float]] = {}
    throughput: dict[str, list[float]] = {}
    benchmarks: dict[str, list[float]] = {}
    for record in records:
        folder = run_dir / record.layer
        if (folder / SAMPLES).is_file():
            latency.update(_series(folder / SAMPLES, record.layer, limit))
        if (folder / THROUGHPUT).is_file():
            throughput.update(_series(folder / THROUGHPUT, record.layer, limit))
    for path in benchmark_files(run_dir, records):
        if path.is_file():
            benchmarks.update(benchmark_samples(path, limit))
    return {"latency": latency, "throughput": throughput, "benchmarks": benchmarks}


def failed_tests(run_dir: Path, records: list[LayerRecord]) -> list[str]:
    """`layer::test` for every failed or erroring test case in the layers' JUnit XML."""
    failed: set[str] = set()
    for record in records:
        for key, rel in record.artifacts.items():
            path = run_dir / rel
            if not (key == "junit" or key.endswith("_junit")) or not path.is_file():
                continue
            try:
                # The JUnit files were written by this run's own pytest processes.
                tree = ET.parse(path)  # nosec B314
            except (ET.ParseError, OSError) as exc:
                raise EvidenceError(f"The JUnit file {path} is unreadable: {exc}.") from exc
            for case in tree.iter("testcase"):
                if case.find("failure") is not None or case.find("error") is not None:
                    name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
                    failed.add(f"{record.layer}::{name}")
    return sorted(failed)


def findings(records: list[LayerRecord]) -> list[str]:
    """Stable identities of the open security findings the layers report.

    Read from `figures.findings` (ids or objects with an `id`), and from the audit layer's
    `bandit_findings.ids` and unwaived `vulnerabilities`.
    """
    found: set[str] = set()
    for record in records:
        bandit = record.figures.get("bandit_findings")
        if isinstance(bandit, dict):
            found.update(f"{record.layer}: bandit {i}" for i in bandit.get("ids", []) or [])
        for vuln in record.figures.get("vulnerabilities", []) or []:
            if isinstance(vuln, dict) and not vuln.get("waived"):
                found.add(
                    f"{record.layer}: {vuln.get('id')} in {vuln.get('package')} "
                    f"{vuln.get('version')} ({vuln.get('severity')})"
                )
        for item in record.figures.get("findings", []) or []:
            if isinstance(item, dict):
                ident = item.get("id") or json.dumps(item, sort_keys=True)
                severity = item.get("severity")
                found.add(f"{record.layer}: {ident}" + (f" ({severity})" if severity else ""))
            else:
                found.add(f"{record.layer}: {item}")
    return sorted(found)
