"""The command line: clear one-sentence errors and non-zero exits on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT


def signoff(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def test_config_prints_every_default_as_toml() -> None:
    result = signoff("config", "--defaults")
    assert result.returncode == 0
    parsed = tomllib.loads(result.stdout)["tool"]["signoff"]
    assert parsed["coverage"]["line"] == 70.0


def test_unknown_command_is_a_usage_error() -> None:
    result = signoff("frobnicate")
    assert result.returncode == 2
    assert result.stderr.startswith("signoff: error: ")
    assert "Traceback" not in result.stderr


def test_unknown_layer_is_refused_before_any_run_dir(tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = signoff("layer", "nope", env={"SIGNOFF_RUN_DIR": str(run)})
    assert result.returncode == 2
    assert "There is no layer named 'nope'" in result.stderr
    assert not run.exists()


def test_unknown_profile_is_an_error() -> None:
    result = signoff("run", "--profile", "weekly")
    assert result.returncode == 2
    assert "There is no profile named 'weekly'" in result.stderr


def test_report_of_missing_run_is_an_error(tmp_path: Path) -> None:
    result = signoff("report", str(tmp_path / "no-such-run"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Tip:" in result.stderr


def test_bad_config_file_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "signoff.toml").write_text("[coverage]\nline = 'x'\n", encoding="utf-8")
    result = signoff("config", cwd=tmp_path)
    assert result.returncode == 2
    assert "'coverage.line' must be float" in result.stderr
    assert "Traceback" not in result.stderr
