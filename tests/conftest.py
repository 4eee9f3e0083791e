"""Shared helpers for signoff's own tests: the repository root and the fixture records."""

from __future__ import annotations

import signal
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "fixtures" / "records"
# the offline advisory snapshot this repository audits with, as it keeps it: one archive
ADVISORIES = ROOT / "audits" / "advisory-db" / "pypa-2024-10-10.tar.xz"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def advisory_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The advisory archive unpacked, by tarfile rather than signoff: the folder it was made of."""
    folder = tmp_path_factory.mktemp("advisories")
    with tarfile.open(ADVISORIES) as archive:
        archive.extractall(folder, filter="data")
        [top] = {name.split("/")[0] for name in archive.getnames()}
    return folder / top


def in_the_foreground() -> None:
    """SIGINT as a terminal's foreground job has it (a `preexec_fn`): a shell's background job
    (CI's steps, a `cmd &`) starts with SIGINT ignored, and its children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
