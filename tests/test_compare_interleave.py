"""`signoff compare`: a git ref in a worktree, the target re-rooted there, runs A B A B …"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from signoff import config as config_mod
from signoff.campaign.trees import retarget, tree
from signoff.errors import UsageError
from tests.test_report_results import signoff

# A pytest layer that measures the target's module `speed` (a stand-in for a service's code,
# imported from the target's python_path): 200 "latencies" around its LEVEL, a little noise.
PROBE = """
import json, os, random, time
from pathlib import Path

import speed


def test_probe():
    folder = Path(os.environ["SIGNOFF_RUN_DIR"], "probe")
    began = time.time()
    values = [speed.LEVEL * random.lognormvariate(0, 0.02) for _ in range(200)]
    time.sleep(1.5)  # a measurement that takes a while: runs of a pair at once overlap
    (folder / "samples.json").write_text(json.dumps({"GET /thing | steady": values}))
    (folder / "window.json").write_text(json.dumps([began, time.time()]))
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "speed.py").write_text("LEVEL = 10.0\n")
    (root / "probe").mkdir()
    (root / "probe" / "test_probe.py").write_text(PROBE)
    (root / "signoff.toml").write_text(
        'run_dir = "reports"\n[report]\nclaims = ""\n'
        '[target]\ncwd = "app"\npython_path = ["app"]\n'
        '[target.processes.web]\ncommand = ["python", "-m", "http.server"]\n'
        '[layers.probe]\nkind = "pytest"\npaths = ["probe"]\n'
        '[compare]\nlayer = "probe"\nlayer_args = []\nmin_runs = 3\n'
    )
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one")
    return root


def test_a_ref_is_checked_out_apart_and_removed_after(repo: Path) -> None:
    (repo / "app" / "speed.py").write_text("LEVEL = 13.0\n")  # uncommitted: not in HEAD
    with tree(repo, "HEAD") as folder:
        assert folder != repo
        assert (folder / "app" / "speed.py").read_text() == "LEVEL = 10.0\n"
        assert str(folder) in git(repo, "worktree", "list")
    assert not folder.exists()
    assert str(folder) not in git(repo, "worktree", "list")
    with tree(repo, None) as folder:
        assert folder == repo
    with pytest.raises(UsageError, match="git rev-parse"), tree(repo, "no-such-ref"):
        pass


def test_only_the_target_moves_into_the_tree(repo: Path, tmp_path: Path) -> None:
    cfg = config_mod.load(repo)
    moved = retarget(cfg, tmp_path / "elsewhere", {"LEDGER_FAULTS": "stall"})
    assert moved.target.cwd == str(tmp_path / "elsewhere" / "app")
    assert moved.target.python_path == [str(tmp_path / "elsewhere" / "app")]
    assert moved.target.env["LEDGER_FAULTS"] == "stall"
    assert moved.root == cfg.root  # the harness, its config and its runs stay where they are
    assert moved.run_root == cfg.run_root


def test_compare_interleaves_runs_and_flags_the_slower_build(repo: Path) -> None:
    (repo / "app" / "speed.py").write_text("LEVEL = 13.0\n")
    result = signoff(repo, "compare", "--repetitions", "3", "HEAD")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "| latency | probe: GET /thing \\| steady | p50 |" in result.stdout
    runs = sorted((repo / "reports").glob("2*"))
    sides = [(run / "compare-side.txt").read_text().split()[0] for run in runs]
    assert sides == ["baseline", "candidate"] * 3
    doc = json.loads((runs[-1] / "report.json").read_text())
    row = next(r for r in doc["comparison"]["rows"] if r["figure"] == "p50")
    assert row["change"] == "slower"
    assert 0.25 < row["relative"] < 0.35
    assert len(doc["comparison"]["baseline_runs"]) == 3


def test_together_runs_both_sides_of_a_pair_at_once(repo: Path) -> None:
    (repo / "app" / "speed.py").write_text("LEVEL = 13.0\n")
    result = signoff(repo, "compare", "--mode", "together", "--repetitions", "3", "HEAD")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "each pair at once" in result.stderr
    runs = sorted((repo / "reports").glob("2*"))
    windows = {
        (run / "compare-side.txt").read_text().split()[0] + str(index // 2): json.loads(
            (run / "probe" / "window.json").read_text()
        )
        for index, run in enumerate(runs)
    }
    assert len(windows) == 6
    for pair in range(3):
        (a0, a1), (b0, b1) = windows[f"baseline{pair}"], windows[f"candidate{pair}"]
        # the two measurements of a pair overlap in time
        assert a0 < b1
        assert b0 < a1
    assert not list((repo / "reports").glob("*/compare-side.pickle"))
    (report,) = (repo / "reports").glob("2*/report.json")  # in the last candidate run
    doc = json.loads(report.read_text())
    row = next(r for r in doc["comparison"]["rows"] if r["figure"] == "p50")
    assert row["change"] == "slower"


def err_of(proc: subprocess.Popen[str]) -> str:
    return proc.stderr.read() if proc.stderr else ""


def interrupted(
    repo: Path, tmp_path: Path, args: list[str], started: Callable[[list[str]], bool]
) -> None:
    """Start `signoff compare ARGS HEAD` as a terminal would, wait until two of its processes'
    command lines satisfy `started`, Ctrl-C it: it must fail and leave nothing behind."""
    from tests.conftest import in_the_foreground
    from tests.test_signals import Tree, _cmdline, assert_nothing_left

    proc = subprocess.Popen(
        [sys.executable, "-m", "signoff", "compare", *args, "HEAD"],
        cwd=repo,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=in_the_foreground,
    )
    tree = Tree(proc.pid)
    deadline = time.monotonic() + 60
    while sum(started(_cmdline(pid)) for pid in tree.alive()) < 2:
        assert proc.poll() is None, err_of(proc)
        assert time.monotonic() < deadline, "both sides never started"
        tree.scan()
        time.sleep(0.05)
    time.sleep(1.5)  # both sides are measuring
    tree.scan()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode != 0, err[-2000:]
    assert_nothing_left(tree, tmp_path, alone=False)
    assert len(git(repo, "worktree", "list").splitlines()) == 1  # the baseline's is removed


def test_an_interrupt_reaches_both_sides_and_leaves_nothing(repo: Path, tmp_path: Path) -> None:
    probe = repo / "probe" / "test_probe.py"
    probe.write_text(probe.read_text().replace("time.sleep(1.5)", "time.sleep(60)"))
    args = ["--mode", "together", "--repetitions", "2"]
    interrupted(repo, tmp_path, args, lambda argv: "--signoff-layer=probe" in argv)


def test_compare_of_one_build_with_itself_passes(repo: Path) -> None:
    result = signoff(repo, "compare", "--candidate", "HEAD", "--repetitions", "5", "HEAD")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "baseline / latency: PASS" in result.stderr
    # judged after three pairs, every series already the same: no fourth pair is run
    assert "Look 1 (3 pairs): every series decided at look 1 of at most 3" in result.stderr
    runs = sorted((repo / "reports").glob("2*"))
    assert len(runs) == 6
    doc = json.loads((runs[-1] / "report.json").read_text())
    looks = doc["comparison"]["looks"]
    assert (looks["pairs"], looks["cap"], looks["decided_at"]) == (3, 5, 3)
    assert "3 pairs of runs of at most 5" in result.stdout


def test_an_option_after_the_baseline_is_refused_not_passed_on(repo: Path) -> None:
    result = signoff(repo, "compare", "HEAD", "--repetitions", "3")
    assert result.returncode == 2
    assert "--repetitions came after the baseline" in result.stderr
    assert not (repo / "reports").exists()
