"""Browser discovery and journey outcomes: Playwright's browser, the system's, or a clear error."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from signoff import browser, config
from signoff.layers import LayerContext
from signoff.layers.e2e import outcomes
from signoff.layers.run import run_layer
from signoff.records import Status, read_record
from tests.conftest import ROOT


def executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_playwright_browser_wins_when_installed(tmp_path: Path) -> None:
    managed = executable(tmp_path / "chrome")
    found = browser.find(str(managed))
    assert found.source == "playwright"
    assert found.launch_args() == {}


def test_system_browser_gets_the_flags(tmp_path: Path) -> None:
    system = executable(tmp_path / "chromium")
    found = browser.find(str(tmp_path / "missing-managed"), names=[str(system)], extra_dirs=[])
    assert found.source == "system"
    args = found.launch_args()
    assert args["executable_path"] == str(system)
    assert set(browser.SYSTEM_FLAGS) <= set(args["args"])
    assert "--no-sandbox" in args["args"]


def test_a_name_is_also_looked_for_in_the_usual_folders(tmp_path: Path) -> None:
    executable(tmp_path / "my-chromium")
    found = browser.find(None, names=["my-chromium"], extra_dirs=[tmp_path])
    assert found.executable == tmp_path / "my-chromium"


def test_no_browser_is_one_sentence_with_a_tip(tmp_path: Path) -> None:
    with pytest.raises(browser.BrowserNotFound) as caught:
        browser.find(None, names=["signoff-no-such-browser"], extra_dirs=[tmp_path])
    assert caught.value.message.count(".") == 1
    assert "signoff-no-such-browser" in caught.value.message
    assert caught.value.hint is not None
    assert "apt-get install -y chromium" in caught.value.hint


def test_no_browser_makes_the_layer_inconclusive_not_skipped(tmp_path: Path) -> None:
    hidden = {"browsers": ["signoff-no-such-browser"], "browser_dirs": [str(tmp_path)]}
    cfg = config.load(ROOT, overrides={"e2e": {**hidden, "use_playwright_browser": False}})
    run = tmp_path / "run"
    record = run_layer(LayerContext(run_dir=run, config=cfg, profile="pr", name="e2e"))
    assert record.status is Status.INCONCLUSIVE
    assert "No browser was found" in record.reasons[0]
    assert read_record(run / "e2e", "e2e").status is Status.INCONCLUSIVE


@pytest.mark.parametrize(
    ("attempts", "verdict"),
    [
        (["passed"], "PASS"),
        (["failed", "passed"], "FLAKY"),
        (["error", "passed"], "FLAKY"),
        (["failed", "failed"], "FAIL"),
        (["error"], "FAIL"),
        (["skipped"], "SKIPPED"),
    ],
)
def test_outcome_of_a_journey(attempts: list[str], verdict: str) -> None:
    assert outcomes({"j": attempts}) == {"j": verdict}
