from __future__ import annotations

from pathlib import Path

from ledger.core.migrate import MIGRATIONS_DIR, pending_files


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [v for v, _ in pending_files(set())]
    assert versions, f"no migrations found in {MIGRATIONS_DIR}"
    assert versions == [f"{n:03d}" for n in range(1, len(versions) + 1)]


def test_applied_versions_are_skipped(tmp_path: Path) -> None:
    for name in ("001_a.sql", "002_b.sql", "notes.txt", "3_bad.sql"):
        (tmp_path / name).write_text("SELECT 1;", encoding="utf-8")
    assert [v for v, _ in pending_files({"001"}, tmp_path)] == ["002"]
