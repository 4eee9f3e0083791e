"""The smoke layer against a separately started stack (`--stack url`), and what url cannot do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
from signoff.layers.run import run_layer
from signoff.records import Status
from tests.conftest import ROOT

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`signoff stack up --json` in its own process, as an operator would start it."""
    env = {**os.environ, "SIGNOFF_RUN_DIR": str(tmp_path_factory.mktemp("deployment"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "signoff", "stack", "up", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "signoff stack up printed nothing"
        handle = json.loads(line)
        yield handle
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    shutil.rmtree(handle["logs"], ignore_errors=True)


def url_context(run: Path, base_url: str) -> LayerContext:
    return LayerContext(
        run_dir=run, config=config.load(ROOT), profile="pr", stack="url", base_url=base_url
    )


def test_smoke_passes_against_a_separately_started_stack(
    deployment: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    monkeypatch.setenv("SIGNOFF_API_KEY", deployment["token"])
    record = run_layer(replace(url_context(run, deployment["base_url"]), name="smoke"))
    assert record.status is Status.PASS, record.reasons
    assert record.evaluated["operations"] == record.declared["operations"] >= 4
    assert not (run / "smoke" / "stack-logs").exists(), "the url provider starts nothing"


def test_smoke_without_a_key_fails_with_a_clear_message(
    deployment: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    monkeypatch.delenv("SIGNOFF_API_KEY", raising=False)
    record = run_layer(replace(url_context(run, deployment["base_url"]), name="smoke"))
    assert record.status is Status.INCONCLUSIVE
    assert any("ledger" in r or "auth command" in r for r in record.reasons), record.reasons


def test_smoke_fails_a_read_that_answers_without_a_credential(
    deployment: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read declared as needing a credential that answers without one fails smoke."""
    run = tmp_path / "run"
    monkeypatch.setenv("SIGNOFF_API_KEY", deployment["token"])
    cfg = config.load(ROOT)
    # the adapters list is public; declared as protected, smoke must notice it answers anyway
    public = [p for p in cfg.target.public_operations if "adapters" not in p]
    ctx = replace(
        url_context(run, deployment["base_url"]),
        config=replace(cfg, target=replace(cfg.target, public_operations=public)),
        name="smoke",
    )
    record = run_layer(ctx)
    assert record.status is Status.FAIL
    failed = [c for c in record.checks if c.status is Status.FAIL]
    assert [c.name for c in failed] == ["GET /api/v1/adapters: refuses no credential"]


def test_fault_injection_fails_clearly_against_a_black_box_deployment(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    record = run_pytest_layer(
        url_context(run, deployment["base_url"]),
        "resilience",
        ["suites/resilience/test_resilience_processes.py", "-k", "worker"],
        env={"SIGNOFF_API_KEY": deployment["token"]},
        coverage="none",
    )
    assert record.status is Status.FAIL
    assert "needs the embedded stack" in (run / "resilience" / "junit.xml").read_text("utf-8")
