"""Shared helpers for signoff's own tests: the repository root, the fixture records, the
advisory snapshot and a static target for load runs."""

from __future__ import annotations

import signal
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.children import end_group, spawn
from signoff.stack.procs import free_port, port_open

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


@pytest.fixture(scope="module")
def static_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A target that is never the bottleneck (`signoff.load.static`), for the module's load runs."""
    port = free_port()
    log = (tmp_path_factory.mktemp("static") / "static.log").open("wb")
    proc = spawn([sys.executable, "-m", "signoff.load.static", "127.0.0.1", str(port)], stdout=log)
    try:
        deadline = time.monotonic() + 10
        while not port_open(port) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert port_open(port), "the static target did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        end_group(proc, signal.SIGTERM, 5.0)
        log.close()
