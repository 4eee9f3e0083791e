"""Shared helpers for signoff's own tests: the repository root and the fixture records."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "fixtures" / "records"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def in_the_foreground() -> None:
    """SIGINT as a terminal's foreground job has it (a `preexec_fn`): a shell's background job
    (CI's steps, a `cmd &`) starts with SIGINT ignored, and its children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
