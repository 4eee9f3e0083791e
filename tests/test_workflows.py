"""The GitHub workflows: valid against the workflow schema, least privilege, cancellable."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from signoff.report.write import write_all
from tests.report_runs import failing_run

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
NAMES = ("pr.yml", "pr-sharded.yml", "nightly.yml", "release.yml")


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


def _upload(data: dict[Any, Any], job: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The step that picks the run directory and the upload step that takes it."""
    steps = data["jobs"][job]["steps"]
    pick = next(s for s in steps if s.get("id") == "run")
    upload = next(
        s
        for s in steps
        if str(s.get("uses", "")).startswith("actions/upload-artifact@")
        and "steps.run.outputs.dir" in str(s.get("if", ""))
    )
    return pick, upload


def test_pr_runs_the_pr_profile_and_publishes_its_evidence() -> None:
    data = load("pr.yml")
    assert "pull_request" in data[True]  # YAML reads the key `on` as True
    steps = data["jobs"]["signoff"]["steps"]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "nox -s signoff -- --profile pr" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    pick, upload = _upload(data, "signoff")
    assert str(upload["uses"]).startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "${{ steps.run.outputs.dir }}"  # the whole run directory
    assert upload["with"]["include-hidden-files"] is False
    assert pick["if"] == upload["if"].split(" && ")[0] == "always()"
    # The sign-off step must be able to fail the job.
    signoff = next(s for s in steps if "nox -s signoff" in s.get("run", ""))
    assert not signoff.get("continue-on-error")


def _uploaded(upload: dict[str, Any], run: Path, cwd: Path) -> set[str]:
    """What upload-artifact puts in the artifact, as paths from its root (folders end with
    a slash): the listed files and directories, hidden ones left out, rooted at their
    deepest common folder."""
    lines = str(upload["with"]["path"]).replace("${{ steps.run.outputs.dir }}", str(run))
    listed = [cwd / line.strip() for line in lines.splitlines() if line.strip()]
    assert not [p for p in listed if str(p).startswith("!")], "exclusions are not modelled"
    root = Path(os.path.commonpath(listed))
    root = root if root.is_dir() else root.parent
    files = [f for p in listed for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    taken: set[str] = set()
    for path in files:
        rel = path.relative_to(root)
        if not any(part.startswith(".") for part in rel.parts):
            taken.add(rel.as_posix())
            taken.update(parent.as_posix() + "/" for parent in rel.parents if parent.parts)
    return taken


@pytest.mark.parametrize(
    ("name", "job"),
    [("pr.yml", "signoff"), ("pr-sharded.yml", "merge"), ("release.yml", "signoff")],
)
def test_every_report_link_resolves_inside_the_uploaded_artifact(
    tmp_path: Path, name: str, job: str
) -> None:
    run, cfg = failing_run(tmp_path)
    write_all(run, cfg)
    with (run / "load" / "smoke" / "chunks.jsonl").open("wb") as big:
        big.truncate(51 * 1024 * 1024)  # sparse: over the cap without using the disk
    (run / "fuzz" / ".hypothesis").mkdir()
    (run / "fuzz" / ".hypothesis" / "cache").write_text("x", encoding="utf-8")
    pick, upload = _upload(load(name), job)
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", pick["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == f"dir={run.resolve()}\n"
    assert "load/smoke/chunks.jsonl" in summary.read_text(encoding="utf-8")
    taken = _uploaded(upload, run, tmp_path)
    assert "report.html" in taken
    assert "fuzz/.hypothesis/cache" not in taken
    assert "load/smoke/chunks.jsonl" not in taken  # over the cap, set aside and named
    html = (run / "report.html").read_text(encoding="utf-8")
    md = (run / "report.md").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"#][^"]*)"', html) + re.findall(r"\]\(([^)]+)\)", md)
    assert len(hrefs) > 10
    assert [h for h in hrefs if unquote(h) not in taken] == []


def test_sharded_pr_runs_every_shard_and_merges_them_whole() -> None:
    data = load("pr-sharded.yml")
    shard, merge = data["jobs"]["shard"], data["jobs"]["merge"]
    shards = shard["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    assert shard["strategy"]["fail-fast"] is False  # one failed shard must not hide the others
    runs = " ".join(s.get("run", "") for s in shard["steps"])
    assert f"nox -s signoff -- --profile pr --shard ${{{{ matrix.shard }}}}/{len(shards)}" in runs
    _, upload = _upload(data, "shard")
    assert upload["with"]["path"] == "${{ steps.run.outputs.dir }}"
    assert upload["with"]["include-hidden-files"] is True  # coverage/.coverage.* for the merge
    # The merge runs after every shard, failed ones too, on every shard's artifact.
    assert (merge["needs"], merge["if"]) == ("shard", "always()")
    [download] = [s for s in merge["steps"] if "download-artifact" in str(s.get("uses"))]
    name = str(upload["with"]["name"]).replace("${{ matrix.shard }}", "*")
    assert download["with"]["pattern"] == name
    assert not download["with"].get("merge-multiple")  # a folder per shard run
    step = next(s for s in merge["steps"] if "merge" in s.get("run", ""))
    assert step["run"] == f"nox -s merge -- {download['with']['path']}/*"
    assert not step.get("continue-on-error")
    assert "GITHUB_STEP_SUMMARY" in " ".join(s.get("run", "") for s in merge["steps"])


def test_release_is_manual_and_compares_with_the_last_release() -> None:
    data = load("release.yml")
    assert list(data[True]) == ["workflow_dispatch"]
    runs = " ".join(s.get("run", "") for s in data["jobs"]["signoff"]["steps"])
    assert "--profile release" in runs
    assert "--baseline" in runs
    assert "gh run download" in runs
    assert "cron" in str(load("nightly.yml")[True]["schedule"])
