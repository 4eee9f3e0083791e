"""What the report draws from the run store: trend lines and plots of coverage, the audit
score, p95 per endpoint and layer durations over main and the run's branch, and flaky tests
(passed and failed on one commit) listed, or gating with `[history] flaky = "gate"`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from signoff.history.remember import GATE
from tests.history_runs import TESTS, Figures, project, report, ten_runs
from tests.test_report_results import signoff

COMMIT = "f" * 40


def _outcomes(**changed: str) -> dict[str, str]:
    return {**dict.fromkeys(TESTS, "passed"), **changed}


def test_the_last_report_shows_trends_of_main_and_its_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    for i, figures in enumerate(ten_runs()):
        report(cfg, monkeypatch, figures, f"{i:02d}" * 20)
    report(cfg, monkeypatch, Figures(coverage=90.0), "e" * 40, "feature")
    results, paths = report(
        cfg, monkeypatch, Figures(coverage=91.5, score=88.0), "e" * 40, "feature"
    )
    md = paths["md"].read_text(encoding="utf-8")
    assert "### Trends" in md
    # main's last ten runs, oldest first (run 7's slow POST among them), then this branch's two
    assert (
        "- p95 GET /jobs (smoke/steady): 41 → 41 → 41 → 41 → 44 → 41 → 52 → 41 → 41 → 40 ms "
        "over 10 runs of main"
    ) in md
    assert (
        "- p95 POST /jobs (smoke/steady): 60 → 60 → 60 → 60 → 61 → 60 → 130 → 60 → 60 → 58 ms" in md
    )
    assert (
        "- line coverage: 94 → 94.5 → 94 → 88 → 94 → 94 → 94 → 94 → 79 → 95% over 10 runs of main"
        in md
    )
    assert "- line coverage: 90 → 91.5% over 2 runs of feature" in md
    assert "- audit score: 92 → 88 over 2 runs of feature" in md
    assert "- fuzz findings: 0 → 0 → 0 → 0 → 0 → 0 → 0 → 2 → 0 → 0 over 10 runs of main" in md
    assert "- duration load: 30 → 30 s over 2 runs of feature" in md

    html = paths["html"].read_text(encoding="utf-8")
    trends = html.split('<h2 id="trends">', 1)[1]
    texts = set(re.findall(r"<text[^>]*>([^<]*)</text>", trends))
    for title in ("line coverage", "audit score", "p95 GET /jobs (smoke/steady)",
                  "p95 POST /jobs (smoke/steady)", "Layer durations, feature",
                  "Layer durations, main"):  # fmt: skip
        assert title in texts, title
    # one plot per figure but p50 (coverage, audit score, fuzz findings, two p95), and the
    # durations of each branch
    assert trends.count("<svg") == 7
    assert results.history is not None
    assert {t.scope for t in results.history.trends} == {"main", "feature"}


def test_a_single_run_or_a_disabled_store_draws_no_trends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path / "one")
    _, paths = report(cfg, monkeypatch, Figures(), COMMIT)
    assert "Trends" not in paths["md"].read_text(encoding="utf-8")
    _, paths = report(cfg, monkeypatch, Figures(), COMMIT)  # a second run makes the lines
    assert "- line coverage: 94 → 94% over 2 runs of main" in paths["md"].read_text("utf-8")
    off = project(tmp_path / "off", "enabled = false")
    for _ in range(2):
        _, paths = report(off, monkeypatch, Figures(), COMMIT)
    assert "Trends" not in paths["md"].read_text(encoding="utf-8")
    assert 'id="trends"' not in paths["html"].read_text(encoding="utf-8")


def test_a_test_that_passed_and_failed_on_one_commit_is_flaky_and_one_failing_twice_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    first, _ = report(
        cfg,
        monkeypatch,
        Figures(outcomes=_outcomes(test_list="failed", test_delete="failed")),
        COMMIT,
    )
    second, paths = report(
        cfg, monkeypatch, Figures(outcomes=_outcomes(test_delete="failed")), COMMIT
    )
    assert second.history is not None
    (flaky,) = second.history.flaky
    assert (flaky.layer, flaky.test) == ("unit", "suites.unit.test_jobs.test_list")
    assert [(o.run_id, o.commit, o.outcome) for o in flaky.history] == [
        (first.run.run_id, COMMIT, "failed"),
        (second.run.run_id, COMMIT, "passed"),
    ]
    md = paths["md"].read_text(encoding="utf-8")
    assert "### Flaky tests" in md
    assert (
        f"| `unit::suites.unit.test_jobs.test_list` | failed (ffffffff, run {first.run.run_id}), "
        f"passed (ffffffff, run {second.run.run_id}) |"
    ) in md
    assert "test_delete" not in md.split("### Flaky tests", 1)[1]
    html = paths["html"].read_text(encoding="utf-8")
    assert "unit::suites.unit.test_jobs.test_list" in html.split('id="flaky"', 1)[1]
    assert GATE not in {g.name for g in second.all_gates}  # the default policy only reports


def test_a_test_fixed_by_a_new_commit_is_not_flaky(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    report(cfg, monkeypatch, Figures(outcomes=_outcomes(test_list="failed")), "a" * 40)
    second, paths = report(cfg, monkeypatch, Figures(), "b" * 40)
    assert second.history is not None
    assert second.history.flaky == ()
    assert "Flaky tests" not in paths["md"].read_text(encoding="utf-8")
    # on commit b, test_create now flips while test_list stays fixed
    third, _ = report(cfg, monkeypatch, Figures(outcomes=_outcomes(test_create="failed")), "b" * 40)
    assert third.history is not None
    assert [f.test for f in third.history.flaky] == ["suites.unit.test_jobs.test_create"]


def test_flips_on_a_branch_without_a_commit_change_are_flaky(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    report(cfg, monkeypatch, Figures(), "a" * 40, "feature")
    report(cfg, monkeypatch, Figures(outcomes=_outcomes(test_create="failed")), "a" * 40, "feature")
    third, _ = report(cfg, monkeypatch, Figures(), "b" * 40, "feature")  # the next commit
    assert third.history is not None
    assert [f.test for f in third.history.flaky] == ["suites.unit.test_jobs.test_create"]
    assert [o.outcome for o in third.history.flaky[0].history] == ["passed", "failed", "passed"]


def test_the_gate_policy_fails_a_run_with_a_flaky_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes = [_outcomes(test_list="failed"), _outcomes()]
    verdicts = {}
    for policy in ("report", "gate"):
        cfg = project(tmp_path / policy, f'flaky = "{policy}"')
        for each in outcomes:
            results, paths = report(cfg, monkeypatch, Figures(outcomes=each), COMMIT)
        verdicts[policy] = results.verdict.value
        gates = {g.name: g for g in results.all_gates}
        if policy == "gate":
            assert gates[GATE].status.value == "FAIL"
            assert gates[GATE].required
            assert gates[GATE].figure == 1
            assert "unit::suites.unit.test_jobs.test_list" in gates[GATE].message
            assert GATE in paths["md"].read_text(encoding="utf-8")
    assert verdicts == {"report": "PASS", "gate": "FAIL"}


def test_the_pull_request_comment_carries_the_trend_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    report(cfg, monkeypatch, Figures(coverage=93.0), "a" * 40)
    second, _ = report(cfg, monkeypatch, Figures(coverage=95.0), "b" * 40)
    done = signoff(tmp_path, "comment", str(second.run.run_dir), "--output", "c.md")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "c.md").read_text(encoding="utf-8")
    assert "- line coverage: 93 → 95% over 2 runs of main" in text


def test_a_run_downloaded_under_another_name_is_stored_under_its_own_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project(tmp_path)
    first, _ = report(cfg, monkeypatch, Figures(coverage=93.0), "a" * 40)
    copy = tmp_path / "signoff-run"  # as a CI job downloads the artifact
    shutil.copytree(first.run.run_dir, copy)
    done = signoff(tmp_path, "comment", str(copy), "--output", "c.md")
    assert done.returncode == 0, done.stderr
    listed = signoff(tmp_path, "history", "--json")
    assert [r["run_id"] for r in json.loads(listed.stdout)] == [first.run.run_id]
