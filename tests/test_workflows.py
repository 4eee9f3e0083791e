"""The GitHub workflows: valid against the workflow schema, least privilege, cancellable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
NAMES = ("pr.yml", "nightly.yml", "release.yml")


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_workflow_validates_against_the_github_workflow_schema() -> None:
    tool = shutil.which("check-jsonschema") or str(
        Path(sys.executable).with_name("check-jsonschema")
    )
    if not Path(tool).exists():
        pytest.fail("check-jsonschema is not installed; `pip install -e .[dev]` provides it.")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", *[str(WORKFLOWS / n) for n in NAMES]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    steps: oops\n", encoding="utf-8")
    tool = shutil.which("check-jsonschema") or "check-jsonschema"
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0


@pytest.mark.parametrize("name", NAMES)
def test_least_privilege_and_cancel_in_progress(name: str) -> None:
    data = load(name)
    permissions = data["permissions"]
    assert permissions.get("contents") == "read"
    assert not [k for k, v in permissions.items() if v == "write"]
    assert data["concurrency"]["cancel-in-progress"] is True
    steps = [s for job in data["jobs"].values() for s in job["steps"]]
    assert any("scripts/system-packages.sh" in s.get("run", "") for s in steps)
    assert all(job.get("timeout-minutes") for job in data["jobs"].values())


def test_pr_runs_the_pr_profile_and_publishes_its_evidence() -> None:
    data = load("pr.yml")
    assert "pull_request" in data[True]  # YAML reads the key `on` as True
    steps = data["jobs"]["signoff"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "nox -s signoff -- --profile pr" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-art"))
    assert "report.junit.xml" in upload["with"]["path"]
    assert "report.html" in upload["with"]["path"]
    # The sign-off step must be able to fail the job.
    signoff = next(s for s in steps if "nox -s signoff" in s.get("run", ""))
    assert not signoff.get("continue-on-error")


def test_release_is_manual_and_compares_with_the_last_release() -> None:
    data = load("release.yml")
    assert list(data[True]) == ["workflow_dispatch"]
    runs = " ".join(s.get("run", "") for s in data["jobs"]["signoff"]["steps"])
    assert "--profile release" in runs
    assert "--baseline" in runs
    assert "gh run download" in runs
    assert "cron" in str(load("nightly.yml")[True]["schedule"])
