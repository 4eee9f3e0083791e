"""Shared helpers for signoff's own tests: the repository root and the fixture records."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "fixtures" / "records"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
