"""The smoke suite against a separately started stack (`--stack url`), and what url cannot do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.pytest_layer import run_pytest_layer
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
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def url_context(run: Path, base_url: str) -> LayerContext:
    return LayerContext(
        run_dir=run, config=config.load(ROOT), profile="pr", stack="url", base_url=base_url
    )


def test_smoke_passes_against_a_separately_started_stack(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    record = run_pytest_layer(
        url_context(run, deployment["base_url"]),
        "smoke",
        ["suites/smoke"],
        env={"SIGNOFF_API_KEY": deployment["api_key"]},
        service_coverage=False,
    )
    assert record.status is Status.PASS, record.reasons
    assert record.evaluated["tests"] == record.declared["tests"] >= 10
    assert not (run / "smoke" / "stack-logs").exists(), "the url provider starts nothing"


def test_smoke_without_a_key_fails_with_a_clear_message(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "SIGNOFF_API_KEY"}
    record = run_pytest_layer(
        url_context(run, deployment["base_url"]),
        "smoke",
        ["suites/smoke"],
        env={**env, "SIGNOFF_API_KEY": ""},
        service_coverage=False,
    )
    assert record.status is Status.FAIL
    assert "SIGNOFF_API_KEY is not set" in (run / "smoke" / "junit.xml").read_text("utf-8")


def test_fault_injection_fails_clearly_against_a_black_box_deployment(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    record = run_pytest_layer(
        url_context(run, deployment["base_url"]),
        "resilience",
        ["suites/resilience/test_resilience_processes.py", "-k", "worker"],
        env={"SIGNOFF_API_KEY": deployment["api_key"]},
        service_coverage=False,
    )
    assert record.status is Status.FAIL
    assert "needs the embedded stack" in (run / "resilience" / "junit.xml").read_text("utf-8")
