"""The fuzz layer end to end, briefly: a route that answers 500 on a bad field is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.fuzz import run
from signoff.records import Status
from tests.conftest import ROOT

pytestmark = pytest.mark.stack


def test_fuzzing_reports_the_500_with_its_reproducing_request(tmp_path: Path) -> None:
    cfg = config.load(ROOT, overrides={"fuzz": {"max_time": 6, "max_examples": 10}})
    ctx = LayerContext(
        run_dir=tmp_path,
        config=cfg,
        profile="pr",
        args=[
            "--signoff-service-env=LEDGER_FAULTS=error_on_bad_field",
            "--include-name=POST /api/v1/jobs",
            "--phases=examples,coverage",
        ],
    )
    record = run(ctx)
    assert record.status is Status.FAIL
    failures = json.loads((tmp_path / "fuzz" / "failures.json").read_text(encoding="utf-8"))
    server_errors = [
        f for f in failures if f["operation"] == "POST /api/v1/jobs" and "500" in f["message"]
    ]
    assert server_errors, failures
    assert any(c.startswith("curl -X POST") for f in server_errors for c in f["reproduce"])
    assert any("POST /api/v1/jobs" in reason for reason in record.reasons), record.reasons
    assert "Bearer ***" in " ".join(record.figures["commands"])
