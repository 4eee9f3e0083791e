"""The results document and the gates: verdicts, fail-closed evidence, the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from signoff import config as config_mod
from signoff import rundir
from signoff.records import Check, LayerRecord, Status, threshold_check, write_record
from signoff.report.model import write_plan
from signoff.report.results import SCHEMA, build

ROOT = Path(__file__).resolve().parents[1]


def project(tmp: Path, layers: list[str], required: list[str], claims: str = "") -> Path:
    """A project folder with its own config, so runs land in tmp/reports."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "signoff.toml").write_text(
        f'run_dir = "reports"\n[report]\nclaims = "{claims}"\n[profiles.pr]\n'
        f"layers = {json.dumps(layers)}\nrequired = {json.dumps(required)}\n",
        encoding="utf-8",
    )
    return tmp


def passing(layer: str, figures: dict[str, Any] | None = None, **extra: Any) -> LayerRecord:
    return LayerRecord(
        layer,
        Status.PASS,
        f"{layer} passed",
        {"tests": 3},
        {"tests": 3},
        figures or {},
        [Check("failed tests", Status.PASS, 0, 0, "==", evidence=f"{layer}/junit.xml")],
        {"junit": f"{layer}/junit.xml"},
        **extra,
    )


def make_run(
    tmp: Path,
    records: list[LayerRecord],
    layers: list[str] | None = None,
    required: list[str] | None = None,
    claims: str = "",
) -> tuple[Path, config_mod.Config]:
    names = layers if layers is not None else [r.layer for r in records]
    needed = required if required is not None else names
    project(tmp, names, needed, claims)
    cfg = config_mod.load(tmp)
    run = rundir.create(cfg.run_root)
    write_plan(run, "pr", names, needed)
    for record in records:
        write_record(run / record.layer, record)
    return run, cfg


def signoff(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != rundir.ENV_VAR}
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_all_required_gates_pass_and_every_format_is_written(tmp_path: Path) -> None:
    run, _ = make_run(tmp_path, [passing("unit"), passing("api")])
    result = signoff(tmp_path, "report")
    assert result.returncode == 0, result.stderr
    for name in ("report.html", "report.md", "report.junit.xml", "report.json"):
        assert (run / name).stat().st_size > 0
    doc = json.loads((run / "report.json").read_text())
    assert doc["schema"] == SCHEMA
    assert doc["verdict"] == "PASS"
    assert {g["name"] for g in doc["gates"]} == {
        "unit",
        "unit / failed tests",
        "api",
        "api / failed tests",
    }
    assert doc["environment"]["python"]["version"]
    assert "report.html" in result.stderr


def test_the_summary_names_the_provider_and_the_images_its_stack_ran(tmp_path: Path) -> None:
    run, _ = make_run(tmp_path, [passing("unit"), passing("api")])
    logs = run / "api" / "stack-logs"
    logs.mkdir(parents=True)
    image = "signoff/ledger-api:latest sha256:" + "b" * 64
    (logs / "stack.json").write_text(
        json.dumps({"provider": "containers", "images": {"api": image}}), encoding="utf-8"
    )
    assert signoff(tmp_path, "report", "--format", "md").returncode == 0
    summary = (run / "report.md").read_text(encoding="utf-8")
    assert "provider `containers`" in summary
    assert f"Images: api `{image}`." in summary


def test_a_deleted_record_makes_the_run_inconclusive(tmp_path: Path) -> None:
    run, _ = make_run(tmp_path, [passing("unit"), passing("api")])
    (run / "api" / "record.json").unlink()
    result = signoff(tmp_path, "report", "--format", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "INCONCLUSIVE"
    gate = next(g for g in doc["gates"] if g["name"] == "api")
    assert gate["status"] == "INCONCLUSIVE"
    assert "wrote no record" in gate["message"]


def test_a_required_layer_that_never_ran_is_inconclusive(tmp_path: Path) -> None:
    run, cfg = make_run(tmp_path, [passing("unit")], layers=["unit", "load"])
    results = build(run, cfg)
    assert results.verdict is Status.INCONCLUSIVE
    assert [g.status for g in results.gates if g.layer == "load"] == [Status.INCONCLUSIVE]


def test_failed_required_check_fails_but_advisory_failure_does_not(tmp_path: Path) -> None:
    slow = LayerRecord(
        "load",
        Status.FAIL,
        "slow",
        {"requests": 9},
        {"requests": 9},
        {},
        [threshold_check("p95", 250.0, "<=", 200.0, " ms")],
    )
    run, cfg = make_run(tmp_path, [passing("unit"), slow], required=["unit"])
    assert build(run, cfg).verdict is Status.PASS
    run2, cfg2 = make_run(tmp_path / "b", [passing("unit"), slow], required=["unit", "load"])
    failed = build(run2, cfg2)
    assert failed.verdict is Status.FAIL
    gate = next(g for g in failed.gates if g.name == "load / p95")
    assert (gate.figure, gate.threshold, gate.comparator) == (250.0, 200.0, "<=")


def test_waived_counts_as_passing(tmp_path: Path) -> None:
    waived = LayerRecord(
        "audit",
        Status.WAIVED,
        "waived",
        {"files": 1},
        {"files": 1},
        {},
        [Check("high findings", Status.WAIVED, 1, 0, "==")],
    )
    run, cfg = make_run(tmp_path, [waived])
    assert build(run, cfg).verdict is Status.PASS


def test_unreadable_samples_fail_closed(tmp_path: Path) -> None:
    run, cfg = make_run(tmp_path, [passing("unit"), passing("load")])
    (run / "load" / "samples.json").write_text("{not json", encoding="utf-8")
    results = build(run, cfg)
    assert results.verdict is Status.INCONCLUSIVE
    assert any(g.name == "report / raw evidence" for g in results.gates)


def test_a_missing_baseline_is_one_sentence_and_writes_nothing(tmp_path: Path) -> None:
    run, _ = make_run(tmp_path, [passing("unit")])
    result = signoff(tmp_path, "report", "--baseline", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert result.stderr.startswith("signoff: error: The baseline")
    assert "Traceback" not in result.stderr
    assert not list(run.glob("report.*"))


@pytest.mark.parametrize("text", ["[]", '{"schema": "other/1"}'])
def test_a_baseline_that_is_not_a_report_is_refused(tmp_path: Path, text: str) -> None:
    make_run(tmp_path, [passing("unit")])
    (tmp_path / "base.json").write_text(text, encoding="utf-8")
    result = signoff(tmp_path, "report", "--baseline", str(tmp_path / "base.json"))
    assert result.returncode == 2
    assert "is not a signoff report" in result.stderr
