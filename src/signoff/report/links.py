"""Evidence links: where a record's evidence paths point, seen from the report's folder.

The report files live in the run directory, so a link is a path relative to it. Records name
their evidence relative to the run directory (`api/junit.xml`) or to the layer's own folder
(`junit.xml`); both are found here. Evidence outside the run (a project's waiver file) is
copied into `<layer>/outside-run/` when the report is written, so the run directory alone —
a CI artifact, a folder kept for the release — carries everything its report links to.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from signoff.records import RECORD_NAME, LayerRecord

OUTSIDE = "outside-run"
MAX_COPY_BYTES = 5 * 1024 * 1024  # a waiver or config file, never a data set


def _inside(path: Path, root: Path) -> bool:
    return path.is_relative_to(root)


def _candidates(run_dir: Path, layer: str, path: str) -> list[Path]:
    return [run_dir / path, run_dir / layer / path]


def locate(run_dir: Path, layer: str, path: str) -> str | None:
    """The evidence's path relative to the run directory (a folder's ends with a slash), or
    None when the run lacks it."""
    if not path:
        return None
    root = run_dir.resolve()
    for candidate in _candidates(run_dir, layer, path):
        real = candidate.resolve()
        if real.exists() and _inside(real, root):
            rel = real.relative_to(root).as_posix()
            return rel + "/" if real.is_dir() else rel
    copy = run_dir / layer / OUTSIDE / Path(path).name
    if copy.is_file():
        return copy.relative_to(run_dir).as_posix()
    return None


def href(rel: str) -> str:
    """A run-relative path (folders end with a slash) as a URL reference."""
    return quote(rel)


def outside_files(run_dir: Path, record: LayerRecord) -> list[Path]:
    """Existing evidence files a record names that lie outside the run directory."""
    root = run_dir.resolve()
    found: list[Path] = []
    paths = [*record.artifacts.values(), *(c.evidence for c in record.checks)]
    for path in dict.fromkeys(p for p in paths if p):
        for candidate in _candidates(run_dir, record.layer, path):
            real = candidate.resolve()
            if real.is_file() and not _inside(real, root):
                found.append(real)
                break
    return found


def copy_outside(run_dir: Path, records: list[LayerRecord]) -> list[Path]:
    """Copy each record's outside-the-run evidence into the run; returns the copies."""
    copies: list[Path] = []
    for record in records:
        for source in outside_files(run_dir, record):
            if source.stat().st_size > MAX_COPY_BYTES:
                continue
            target = run_dir / record.layer / OUTSIDE / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            target.chmod(0o644)
            copies.append(target)
    return copies


def primary(run_dir: Path, record: LayerRecord) -> str | None:
    """The one file that best stands for a layer's evidence: the one its checks cite most,
    else its first artifact file, else its record."""
    cited = Counter(
        rel
        for check in record.checks
        if (rel := locate(run_dir, record.layer, check.evidence)) and (run_dir / rel).is_file()
    )
    if cited:
        return cited.most_common(1)[0][0]
    for path in record.artifacts.values():
        rel = locate(run_dir, record.layer, path)
        if rel and (run_dir / rel).is_file():
            return rel
    record_file = run_dir / record.layer / RECORD_NAME
    return record_file.relative_to(run_dir).as_posix() if record_file.is_file() else None
