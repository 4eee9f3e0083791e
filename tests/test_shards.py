"""Shards and their merge on a small project of `command` layers: three `signoff run --shard
K/3` in three clones, then `signoff merge` in a fourth folder, judged as an unsharded run is;
a merge that lacks a shard is INCONCLUSIVE naming it; bad input is one sentence, nothing
written. Two layers collect coverage data of one package, each half of it, so the merged
coverage gate passes only on both shards' data, moved from the clones' folders."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_cli import signoff

MEASURED = (
    '["sh", "-c", "mkdir -p {run_dir}/coverage && '
    + sys.executable
    + ' -m coverage run --branch --data-file={run_dir}/coverage/.coverage.{layer} -m pkg ARG"]'
)
PROJECT = f"""
run_dir = "reports"
[target]
coverage_packages = ["pkg"]
[coverage]
line = 100.0
branch = 100.0
[layers.unit]
kind = "command"
command = {MEASURED.replace("{layer}", "unit").replace("ARG", "a")}
[layers.api]
kind = "command"
command = {MEASURED.replace("{layer}", "api").replace("ARG", "b")}
[layers.timed]
kind = "command"
command = ["true"]
exclusive_cpu = true
[layers.lint]
kind = "command"
command = ["sh", "-c", "exit 1"]
[profiles.pr]
layers = ["unit", "lint", "api", "timed", "coverage"]
required = ["unit", "api", "timed"]
"""
# the layers each shard of three runs: the timing layer a shard of its own, the others
# round-robin over the other two, coverage (after_all) at the merge
SHARES = {1: ["timed"], 2: ["unit", "api"], 3: ["lint"]}


def write_project(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "__main__.py").write_text(
        "import sys\n\nfrom pkg.mod import pick\n\npick(sys.argv[1])\n", encoding="utf-8"
    )
    (root / "pkg" / "mod.py").write_text(
        'def pick(arg):\n    if arg == "a":\n        return 1\n    return 2\n', encoding="utf-8"
    )
    (root / "signoff.toml").write_text(PROJECT, encoding="utf-8")
    return root


@dataclass(frozen=True)
class Shards:
    project: Path  # where the merges run
    runs: dict[int, Path]  # shard K's run, made in a clone of its own
    whole: Path  # an unsharded run of the same profile


def latest(root: Path) -> Path:
    return (root / "reports" / "latest").resolve()


def statuses(run: Path) -> tuple[str, dict[str, str]]:
    document = json.loads((run / "report.json").read_text(encoding="utf-8"))
    found = {item["record"]["layer"]: item["record"]["status"] for item in document["layers"]}
    return document["verdict"], found


def entries(root: Path) -> set[str]:
    folder = root / "reports"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Shards:
    base = tmp_path_factory.mktemp("shards")
    project = write_project(base / "project")
    runs = {}
    for k in SHARES:
        clone = base / f"clone{k}"
        shutil.copytree(project, clone)
        done = signoff("run", "--shard", f"{k}/3", cwd=clone)
        assert done.returncode == 0, done.stderr
        runs[k] = latest(clone)
        shutil.rmtree(clone / "pkg")  # the merge must find the code in its own folder
    done = signoff("run", cwd=project)
    assert done.returncode == 0, done.stderr
    return Shards(project, runs, latest(project))


def test_each_shard_runs_its_share_and_says_so(shards: Shards) -> None:
    for k, share in SHARES.items():
        plan = json.loads((shards.runs[k] / "run.json").read_text(encoding="utf-8"))
        assert (plan["shard"], plan["profile"], plan["layers"]) == (f"{k}/3", "pr", share)
        assert plan["whole"]["layers"] == ["unit", "lint", "api", "timed", "coverage"]
        assert sorted(p.parent.name for p in shards.runs[k].glob("*/record.json")) == sorted(share)
        said = (shards.runs[k] / "report.md").read_text(encoding="utf-8")
        assert f"Shard {k}/3 of profile `pr`" in said
        assert ("gates nothing" in said) is (k == 3)  # only advisory lint in shard 3


def test_the_merge_of_every_shard_is_judged_as_the_unsharded_run(shards: Shards) -> None:
    args = [str(shards.runs[k]) for k in (3, 1, 2)]  # any order
    done = signoff("merge", *args, cwd=shards.project)
    assert done.returncode == 0, done.stderr + done.stdout
    merged = latest(shards.project)
    assert merged not in (shards.whole, *shards.runs.values())
    whole = statuses(shards.whole)
    layers = {"unit": "PASS", "api": "PASS", "timed": "PASS", "lint": "FAIL", "coverage": "PASS"}
    assert whole == ("PASS", layers)
    assert statuses(merged) == whole
    coverage = json.loads((merged / "coverage" / "record.json").read_text(encoding="utf-8"))
    assert coverage["figures"]["data_files"] == [".coverage.api", ".coverage.unit"]
    assert coverage["figures"]["line_percent"] == 100.0
    plan = json.loads((merged / "run.json").read_text(encoding="utf-8"))
    assert sorted(plan["merged"]["shards"]) == ["1/3", "2/3", "3/3"]
    assert plan["merged"]["missing"] == {}
    assert "Merged from shards 1/3" in (merged / "report.md").read_text(encoding="utf-8")


def test_a_merge_without_a_shard_is_inconclusive_naming_it(shards: Shards) -> None:
    done = signoff("merge", str(shards.runs[3]), str(shards.runs[1]), cwd=shards.project)
    assert done.returncode == 1
    verdict, found = statuses(latest(shards.project))
    assert verdict == "INCONCLUSIVE"
    assert found == {
        "unit": "INCONCLUSIVE",
        "api": "INCONCLUSIVE",
        "timed": "PASS",
        "lint": "FAIL",
        "coverage": "INCONCLUSIVE",
    }
    record = json.loads((latest(shards.project) / "api" / "record.json").read_text())
    assert record["reasons"] == ["Shard 2/3 was not merged, and this layer ran in it."]
    summary = (latest(shards.project) / "report.md").read_text(encoding="utf-8")
    assert "merge / shard 2/3" in summary
    assert "not merged: 2/3" in summary


def test_a_missing_shard_of_advisory_layers_still_keeps_the_merge_from_passing(
    shards: Shards,
) -> None:
    # shard 3/3 holds only the advisory `lint`, and coverage is advisory too: every required
    # layer passes, and still the merge of what is there is not the profile's pass
    done = signoff("merge", str(shards.runs[1]), str(shards.runs[2]), cwd=shards.project)
    assert done.returncode == 1
    verdict, found = statuses(latest(shards.project))
    assert (verdict, found["lint"], found["coverage"]) == ("INCONCLUSIVE",) * 3
    gates = json.loads((latest(shards.project) / "report.json").read_text())["gates"]
    [gate] = [g for g in gates if g["layer"] == "merge"]
    assert (gate["name"], gate["required"]) == ("merge / shard 3/3", True)


def _refused(project: Path, *args: str, says: str) -> None:
    before = entries(project), latest(project)
    done = signoff(*args, cwd=project)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr, done.stderr
    assert done.stderr.startswith("signoff: error: ")
    assert "Traceback" not in done.stderr
    assert (entries(project), latest(project)) == before  # nothing half-written


def test_what_is_not_one_whole_is_refused(shards: Shards, tmp_path: Path) -> None:
    project, one = shards.project, str(shards.runs[1])
    (tmp_path / "empty").mkdir()
    _refused(project, "merge", str(tmp_path / "empty"), says="has no run.json")
    _refused(project, "merge", str(tmp_path / "nothing"), says="is no run directory or run id")
    _refused(project, "merge", str(shards.whole), says="is no shard")
    _refused(project, "merge", one, one, says="Shard 1/3 is given twice")
    other = tmp_path / "other"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("reports"))
    assert signoff("run", "--shard", "2/2", cwd=other).returncode == 0
    _refused(project, "merge", one, str(latest(other)), says="are not shards of one split")
    changed = tmp_path / "changed"
    shutil.copytree(shards.runs[2], changed)
    plan = json.loads((changed / "run.json").read_text())
    (changed / "run.json").write_text(json.dumps({**plan, "layers": ["timed"]}))
    _refused(project, "merge", one, str(changed), says="ran timed, not unit, api")
    for k, at in ((1, "a" * 40), (2, "b" * 40)):
        copy = tmp_path / f"at{k}"
        shutil.copytree(shards.runs[k], copy)
        plan = json.loads((copy / "run.json").read_text())
        (copy / "run.json").write_text(json.dumps({**plan, "commit": at}))
    _refused(project, "merge", str(tmp_path / "at1"), str(tmp_path / "at2"), says="commits")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--shard", "4/3"], "--shard needs K/N with 1 <= K <= N"),
        (["--shard", "1of3"], "--shard needs K/N"),
        (["--shard", "1/5"], "5 shards are more than the 4 layers"),
        (["--shard", "1/3", "--layers", "unit"], "leave out --layers"),
    ],
)
def test_a_bad_shard_is_refused_before_any_run(tmp_path: Path, args: list[str], says: str) -> None:
    project = write_project(tmp_path / "project")
    done = signoff("run", *args, cwd=project)
    assert done.returncode == 2
    assert says in done.stderr
    assert not (project / "reports").exists()
