"""Spare copies of the PostgreSQL template: made in the background, claimed by a rename, and
finished before a stack's teardown ends (`settle`)."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from signoff.stack import pg_spares


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    made = tmp_path / "pg-template-test"
    made.mkdir()
    (made / "PG_VERSION").write_text("15\n")
    return made


def _slow_copy(template: Path, seconds: float) -> Callable[[Path], None]:
    def copy(staging: Path) -> None:
        time.sleep(seconds)
        shutil.copytree(template, staging)

    return copy


def _refilled(template: Path, copy: Callable[[Path], None]) -> set[threading.Thread]:
    """Start a refill and return the thread it started (the threads that were not there)."""
    before = set(threading.enumerate())
    pg_spares.refill(template, copy)
    return set(threading.enumerate()) - before


def test_settle_waits_for_the_copy_under_way(template: Path) -> None:
    copying = _refilled(template, _slow_copy(template, 0.5))
    assert copying, "the refill should run in a thread of its own"
    pg_spares.settle()
    assert not any(t.is_alive() for t in copying)
    spares = list(pg_spares.folder(template).glob("spare-*"))
    assert len(spares) == 1
    assert (spares[0] / "PG_VERSION").is_file()


def test_a_spare_is_claimed_once(template: Path, tmp_path: Path) -> None:
    pg_spares.refill(template, _slow_copy(template, 0.0))
    pg_spares.settle()
    assert pg_spares.claim(template, tmp_path / "first")
    assert (tmp_path / "first" / "PG_VERSION").is_file()
    assert not pg_spares.claim(template, tmp_path / "second")


def test_settle_is_bounded(template: Path) -> None:
    copying = _refilled(template, _slow_copy(template, 3.0))
    began = time.monotonic()
    pg_spares.settle(timeout=0.2)
    assert time.monotonic() - began < 2.0
    for thread in copying:  # leave no copy running for the next test
        thread.join()
