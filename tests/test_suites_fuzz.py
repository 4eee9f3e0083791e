"""The fuzz layer end to end, briefly: a route that answers 500 on a bad field is reported, its
failure comes back on a fresh stack, the seed sends the same cases again, and a failure that does
not come back on replay is FLAKY."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signoff import cli, config
from signoff.fuzz.replay import FLAKY, PLAN, REPRODUCED
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from tests.conftest import ROOT

pytestmark = pytest.mark.stack

SEED = 4242
BROKEN = [
    "--signoff-service-env=LEDGER_FAULTS=error_on_bad_field",
    "--include-name=POST /api/v1/jobs",
    "--phases=examples,coverage",
    f"--seed={SEED}",
]


def _fuzz(run_dir: Path, args: list[str]) -> LayerRecord:
    cfg = config.load(ROOT, overrides={"fuzz": {"max_examples": 10}})
    ctx = LayerContext(run_dir=run_dir, config=cfg, profile="release", args=args, name="fuzz")
    return run_layer(ctx)


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LayerRecord]:
    run_dir = tmp_path_factory.mktemp("fuzz-broken")
    return run_dir, _fuzz(run_dir, BROKEN)


def test_fuzzing_reports_the_500_with_its_reproducing_request(
    broken_run: tuple[Path, LayerRecord],
) -> None:
    run_dir, record = broken_run
    assert record.status is Status.FAIL
    failures = json.loads((run_dir / "fuzz" / "failures.json").read_text(encoding="utf-8"))
    server_errors = [
        f for f in failures if f["operation"] == "POST /api/v1/jobs" and "500" in f["message"]
    ]
    assert server_errors, failures
    assert any(c.startswith("curl -X POST") for f in server_errors for c in f["reproduce"])
    assert any("POST /api/v1/jobs" in reason for reason in record.reasons), record.reasons
    assert "Bearer ***" in " ".join(record.figures["commands"])


def test_the_seed_is_recorded_and_the_failure_reproduces_on_a_fresh_stack(
    broken_run: tuple[Path, LayerRecord],
) -> None:
    _, record = broken_run
    assert record.figures["seed"] == SEED
    assert all(f"--seed={SEED}" in c for c in record.figures["commands"])
    verdicts = record.figures["replay"]
    assert verdicts
    assert set(verdicts.values()) == {REPRODUCED}, verdicts
    assert record.figures["flaky_test_cases"] == []
    assert record.figures["failing_test_cases"]


def test_the_same_seed_sends_the_same_cases(
    broken_run: tuple[Path, LayerRecord], tmp_path: Path
) -> None:
    _, first = broken_run
    again = _fuzz(tmp_path, BROKEN)
    assert again.figures["test_cases"] == first.figures["test_cases"]
    assert again.figures["unique_failures"] == first.figures["unique_failures"]


def test_a_failure_that_does_not_come_back_on_replay_is_flaky(
    broken_run: tuple[Path, LayerRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir, _ = broken_run
    folder = run_dir / "fuzz"
    plan = json.loads((folder / PLAN).read_text(encoding="utf-8"))
    # The fresh stack runs without the fault: the stored failures no longer happen there.
    (folder / PLAN).write_text(json.dumps({**plan, "service_env": {}}), encoding="utf-8")
    monkeypatch.chdir(ROOT)
    try:
        assert cli.main(["fuzz", "--replay", str(run_dir)]) == 0
    finally:
        (folder / PLAN).write_text(json.dumps(plan), encoding="utf-8")
    [written] = sorted(folder.glob("replay-*.json"))
    verdicts = {f["verdict"] for f in json.loads(written.read_text(encoding="utf-8"))["findings"]}
    assert verdicts == {FLAKY}
    # and with the fault, the same replay command reproduces them and exits 1
    assert cli.main(["fuzz", "--replay", str(run_dir)]) == 1
