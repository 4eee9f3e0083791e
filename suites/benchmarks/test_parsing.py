"""Micro-benchmarks of upload parsing: CSV and JSON record sets of 10k rows."""

from __future__ import annotations

import csv
import io
import json

from pytest_benchmark.fixture import BenchmarkFixture

from ledger.parsing import Record, parse_csv, parse_json


def test_parse_csv_10k(benchmark: BenchmarkFixture, csv_10k: bytes) -> None:
    records: list[Record] = benchmark(parse_csv, csv_10k)
    assert len(records) == 10_000


def test_parse_json_10k(benchmark: BenchmarkFixture, csv_10k: bytes) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_10k.decode())))
    payload = json.dumps(rows).encode()
    records: list[Record] = benchmark(parse_json, payload)
    assert len(records) == 10_000
