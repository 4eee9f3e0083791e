"""The fuzz layer's server errors held against the OpenAPI document, on a real service: an
undocumented 500 FAILS and is named so; a 503 the document declares is listed and does not fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signoff import config
from signoff.fuzz.servererrors import NAME
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from tests.conftest import ROOT

pytestmark = pytest.mark.stack

OUTAGE = ROOT / "tests" / "targets" / "outage"
SETTINGS = f"""
[target]
name = "outage"
python_path = ["{OUTAGE}"]
ready_path = "/health"
processes.web.command = ["python", "-m", "outage", "--port", "{{port}}"]
auth.kind = "none"

[fuzz]
max_examples = 5
seed = 4242
"""


def _fuzz(folder: Path, bugs: str) -> LayerRecord:
    (folder / "signoff.toml").write_text(SETTINGS, encoding="utf-8")
    env = {"OUTAGE_BUGS": bugs} if bugs else {}
    ctx = LayerContext(folder / "run", config.load(folder), "pr", name="fuzz", service_env=env)
    return run_layer(ctx)


def _check(record: LayerRecord, name: str) -> tuple[Status, str]:
    [check] = [c for c in record.checks if c.name == name]
    return check.status, check.message


def _sections(path: Path) -> dict[str, str]:
    """failures.md's text under each operation's heading (all of an operation's failures)."""
    found: dict[str, str] = {}
    for part in path.read_text(encoding="utf-8").split("\n## ")[1:]:
        heading, _, body = part.partition("\n")
        found[heading] = found.get(heading, "") + body
    return found


def test_an_undocumented_500_fails_named_and_a_documented_503_beside_it_does_not(
    tmp_path: Path,
) -> None:
    record = _fuzz(tmp_path, "crash")
    assert record.status is Status.FAIL
    status, message = _check(record, NAME)
    assert status is Status.FAIL, message
    assert "GET /api/report: undocumented server error (500" in message
    assert "GET /api/status: documented 503" in message
    failing = record.figures["failing_test_cases"]
    assert failing, record.reasons
    assert all(case.startswith("GET /api/report ") for case in failing), failing
    status, message = _check(record, "fuzzing failures")
    assert status is Status.FAIL
    assert "GET /api/status" not in message
    assert "first: GET /api/report: ST101 Server error (undocumented server error)." in message
    # the documented 503 is not replayed: it is no failure to tell flaky from real
    folder = tmp_path / "run" / "fuzz"
    failures = json.loads((folder / "failures.json").read_text(encoding="utf-8"))
    documented = {cid for f in failures for cid in f["documented"]}
    assert documented, failures
    assert record.figures["replay"], record.figures
    assert not documented & set(record.figures["replay"])
    sections = _sections(folder / "failures.md")
    assert ": undocumented server error (500)" in sections["GET /api/report"]
    assert ": documented 503; the document declares it" in sections["GET /api/status"]


def test_a_documented_503_alone_passes_the_gate(tmp_path: Path) -> None:
    record = _fuzz(tmp_path, "")
    assert record.status is Status.PASS, record.reasons
    status, message = _check(record, NAME)
    assert status is Status.PASS
    assert "GET /api/status: documented 503" in message
    assert record.figures["failing_test_cases"] == []
    replay = json.loads((tmp_path / "run" / "fuzz" / "replay.json").read_text(encoding="utf-8"))
    assert replay == {"findings": []}
