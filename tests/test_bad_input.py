"""Bad input is refused at the door: at config load, before a command writes anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff import rundir
from signoff.records import write_record
from tests.test_cli import signoff
from tests.test_report_results import passing


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            '[load.profiles.smoke]\npr = [{ phase = "steady", duration_s = "15", users = 1 }]\n',
            "duration_s",
        ),
        ('[load.profiles.smoke]\npr = [{ phase = "steady", duration_s = 15, user = 1 }]\n', "user"),
        (
            '[load.profiles.mine]\npr = [{ phase = "all", duration_s = 5, users = 1 }]\n'
            '[load.profiles.mine.budgets.all]\np95_ms = "fast"\n',
            "load.profiles.mine.budgets.all.p95_ms must be a number",
        ),
        ("[load.profiles.mine.budgets.all]\np95_ms = 20\n", "has no stage table"),
        ('[load.suites]\npr = ["smoke", "nope"]\n', "names the load profile 'nope'"),
        ('[report]\nclaims = "missing.toml"\n', "names 'missing.toml'"),
    ],
    ids=["stage-type", "stage-key", "budget-type", "budget-only", "suite-name", "claims-file"],
)
def test_config_is_checked_when_it_loads(tmp_path: Path, body: str, says: str) -> None:
    (tmp_path / "signoff.toml").write_text(body, encoding="utf-8")
    result = signoff("config", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert says in result.stderr
    assert result.stderr.startswith("signoff: error: ")
    assert "Traceback" not in result.stderr


def test_a_user_named_load_profile_with_budgets_loads(tmp_path: Path) -> None:
    (tmp_path / "signoff.toml").write_text(
        '[load.profiles.mine]\npr = [{ phase = "all", duration_s = 5, users = 1 }]\n'
        "[load.profiles.mine.budgets.all]\np95_ms = 20\n",
        encoding="utf-8",
    )
    result = signoff("config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[tool.signoff.load.profiles.mine.budgets.all]" in result.stdout


def test_a_report_with_a_missing_baseline_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "signoff.toml").write_text(
        'run_dir = "reports"\n[profiles.pr]\nlayers = ["unit"]\nrequired = ["unit"]\n',
        encoding="utf-8",
    )
    run = rundir.create(tmp_path / "reports")
    write_record(run / "unit", passing("unit"))
    before = sorted(p.relative_to(run) for p in run.rglob("*"))

    result = signoff("report", str(run), "--baseline", str(tmp_path / "gone"), cwd=tmp_path)

    assert result.returncode == 2
    assert "The baseline" in result.stderr
    assert "Tip:" in result.stderr
    assert sorted(p.relative_to(run) for p in run.rglob("*")) == before
