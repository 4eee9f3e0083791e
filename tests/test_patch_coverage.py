"""Patch coverage on a real git repository: a small package whose tests cover it, then a commit
that adds about 60 lines no test runs. The total stays above its threshold; the patch fails
and names the lines; covering them makes it pass; a base that cannot be found is no pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from signoff import config, covrc, patchcov
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status

CORE = "".join(
    f"def f{i}(x):\n    if x > {i}:\n        return x - {i}\n    return x + {i}\n\n\n"
    for i in range(120)
)
CORE_TESTS = "from calc.core import *\n\n\ndef test_all():\n" + "".join(
    f"    assert f{i}({i} + 1) == 1 and f{i}(0) == {i}\n" for i in range(120)
)
# 60 lines, each a statement: a new module no test imports
EXPORT = "".join(f'def export{i}(rows):\n    return ",".join(rows) + "{i}"\n' for i in range(30))
EXPORT_TESTS = "from calc.export import *\n\n\ndef test_export():\n" + "".join(
    f'    assert export{i}(["a"]) == "a{i}"\n' for i in range(30)
)
SETTINGS = (
    '[target]\ncoverage_packages = ["calc"]\n\n'
    '[coverage]\nline = 85.0\nbranch = 50.0\npatch = 80.0\nbase = "main"\n'
)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package and its tests committed on `main`, then a branch that adds the export
    module; the environment's base refs cleared so `[coverage] base` decides."""
    monkeypatch.delenv(patchcov.BASE_ENV, raising=False)
    monkeypatch.delenv(patchcov.GITHUB_BASE_ENV, raising=False)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {
            "signoff.toml": SETTINGS,
            "calc/__init__.py": "",
            "calc/core.py": CORE,
            "tests/test_core.py": CORE_TESTS,
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "calc")
    git(root, "checkout", "-q", "-b", "export")
    write(root, {"calc/export.py": EXPORT, "README.md": "docs are not measured\n"})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "export")
    return root


def gate(repo: Path, run: Path) -> LayerRecord:
    """Run the package's tests under coverage into the run, then the coverage layer."""
    cfg = config.load(repo)
    rcfile = covrc.rcfile(run / "coverage", cfg.target)
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}",
         f"--data-file={run / 'coverage' / '.coverage.unit'}", "-m", "pytest", "-q", "-p",
         "no:cacheprovider", "tests"],
        cwd=repo, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return run_layer(LayerContext(run_dir=run, config=cfg, profile="pr", name="coverage"))


def check(record: LayerRecord, name: str) -> tuple[Status, object, str]:
    found = next(c for c in record.checks if c.name == name)
    return found.status, found.figure, found.message


def test_sixty_uncovered_lines_fail_the_patch_while_the_total_passes(
    repo: Path, tmp_path: Path
) -> None:
    record = gate(repo, tmp_path / "run")
    line = check(record, "line coverage")
    assert line[0] is Status.PASS
    assert isinstance(line[1], float)
    assert line[1] >= 85.0
    status, figure, message = check(record, "patch coverage")
    assert (status, figure) == (Status.FAIL, 0.0)
    assert record.status is Status.FAIL
    patch = record.figures["patch"]
    assert patch["changed_lines"] == 60
    assert patch["uncovered"] == {"calc/export.py": "1-60"}
    assert "README.md" not in patch["files"]  # not a measured file
    assert "calc/export.py: 1-60" in message
    assert (tmp_path / "run" / record.artifacts["patch_json"]).is_file()


def test_covering_the_new_lines_passes_the_patch(repo: Path, tmp_path: Path) -> None:
    # uncommitted and untracked: the working tree counts, not only commits
    write(repo, {"tests/test_export.py": EXPORT_TESTS})
    record = gate(repo, tmp_path / "run")
    status, figure, message = check(record, "patch coverage")
    assert (status, figure) == (Status.PASS, 100.0), message
    assert record.status is Status.PASS, record.reasons
    assert "100.0% of 60 changed lines against main" in message


def test_partly_covered_lines_are_named_as_ranges(repo: Path, tmp_path: Path) -> None:
    covered = EXPORT_TESTS.splitlines()[:4] + [f'    export{i}(["a"])' for i in range(20, 30)]
    write(repo, {"tests/test_export.py": "\n".join(covered) + "\n"})
    record = gate(repo, tmp_path / "run")
    status, figure, _ = check(record, "patch coverage")
    assert status is Status.FAIL
    assert figure == pytest.approx(100 * 40 / 60, abs=0.01)
    # export0..export19 ran only their `def` lines (1, 3, ..., 39), not their bodies
    assert record.figures["patch"]["uncovered"] == {
        "calc/export.py": ", ".join(str(n) for n in range(2, 41, 2))
    }


def test_a_change_without_measured_lines_passes_saying_so(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "docs")
    write(repo, {"README.md": "only docs\n"})
    record = gate(repo, tmp_path / "run")
    status, figure, message = check(record, "patch coverage")
    assert (status, figure) == (Status.PASS, "no changed measured lines")
    assert "no changed measured lines against main" in message


def test_a_base_that_does_not_resolve_is_inconclusive(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(patchcov.BASE_ENV, "origin/nowhere")
    record = gate(repo, tmp_path / "run")
    status, figure, message = check(record, "patch coverage")
    assert (status, figure) == (Status.INCONCLUSIVE, None)
    assert record.status is Status.INCONCLUSIVE
    assert "'origin/nowhere' is not a commit" in message
    assert message.count(". ") == 0  # one sentence


def test_the_base_comes_from_the_command_line_then_the_pull_request_then_config() -> None:
    assert patchcov.base_ref("main", {}) == "main"
    assert patchcov.base_ref("main", {"GITHUB_BASE_REF": "release"}) == "origin/release"
    env = {"GITHUB_BASE_REF": "release", "SIGNOFF_BASE_REF": "v1.2"}
    assert patchcov.base_ref("main", env) == "v1.2"


def test_the_diff_parser_takes_added_lines_and_skips_deleted_files() -> None:
    diff = (
        "diff --git a.py a.py\n--- a.py\n+++ a.py\n@@ -3,0 +4,2 @@\n+x\n+y\n"
        "@@ -9 +11 @@\n-old\n+new\n@@ -20,2 +21,0 @@\n-gone\n-gone\n"
        "diff --git b.py b.py\ndeleted file mode 100644\n"
        "--- b.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-b\n"
        '--- "s p\\303\\244ce.py"\n+++ "s p\\303\\244ce.py"\n@@ -0,0 +1 @@\n+z\n'
    )
    assert patchcov.parse_diff(diff) == {"a.py": {4, 5, 11}, "s päce.py": {1}}
    assert patchcov.ranges([41, 12, 13, 14, 30]) == "12-14, 30, 41"


@pytest.mark.parametrize("command", [["run"], ["layer", "coverage"], ["merge", "r1"]])
def test_base_on_the_command_line_outranks_a_pull_requests_base(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from signoff.cli import commands
    from signoff.cli.parser import build_parser

    monkeypatch.setenv(patchcov.BASE_ENV, "")  # set: undone after the test, as --base sets it
    monkeypatch.setenv(patchcov.GITHUB_BASE_ENV, "main")
    commands.base_ref(build_parser().parse_args(command))
    assert patchcov.base_ref("origin/main") == "origin/main"
    commands.base_ref(build_parser().parse_args([*command[:1], "--base", "v1.2", *command[1:]]))
    assert patchcov.base_ref("origin/main") == "v1.2"


def test_an_untracked_module_counts_whole(repo: Path, tmp_path: Path) -> None:
    write(repo, {"tests/test_export.py": EXPORT_TESTS, "calc/extra.py": "X = 1\nY = 2\n"})
    record = gate(repo, tmp_path / "run")
    patch = record.figures["patch"]
    # no test imports it, and coverage.py still reports it: a file of the measured package
    assert patch["files"]["calc/extra.py"] == {"changed": 2, "covered": 0, "uncovered": "1-2"}
    assert (patch["changed_lines"], patch["covered_lines"]) == (62, 60)
