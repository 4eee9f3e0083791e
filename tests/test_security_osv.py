"""The offline advisory source: OSV matching, a snapshot read from a folder or an archive, the
loopback endpoint, and pip-audit through it."""

from __future__ import annotations

import json
import shutil
import tarfile
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Literal

import httpx
import pytest

from signoff.errors import ConfigError, EvidenceError, SignoffError
from signoff.security.advisories import AdvisoryDB, affects, fix_versions
from signoff.security.osv_server import OsvServer
from signoff.security.pip_audit_runner import run_pip_audit
from tests.conftest import ADVISORIES as SNAPSHOT

# every archive kind the reader takes, by the tarfile mode that writes it (None: a zip)
ARCHIVES: dict[str, Literal["w:xz", "w:gz", "w:bz2", "w"] | None] = {
    ".tar.xz": "w:xz",
    ".tar.gz": "w:gz",
    ".tar.bz2": "w:bz2",
    ".tar": "w",
    ".zip": None,
}


def _advisory(ident: str, name: str, events: list[dict[str, str]], versions: list[str]) -> str:
    return json.dumps(
        {
            "id": ident,
            "affected": [
                {
                    "package": {"name": name, "ecosystem": "PyPI"},
                    "ranges": [{"type": "ECOSYSTEM", "events": events}],
                    "versions": versions,
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("osv") / "mini-2025-01-31"
    (folder / "vulns" / "demo").mkdir(parents=True)
    (folder / "vulns" / "demo" / "X-1.json").write_text(
        _advisory("X-1", "Demo_Pkg", [{"introduced": "0"}, {"fixed": "1.5"}], [])
    )
    (folder / "vulns" / "demo" / "X-2.json").write_text(
        _advisory("X-2", "demo-pkg", [{"introduced": "2.0"}, {"last_affected": "2.3"}], ["9.9"])
    )
    return folder


@pytest.fixture(scope="module")
def small_db(small_folder: Path) -> AdvisoryDB:
    return AdvisoryDB(small_folder)


def pack(folder: Path, archive: Path) -> Path:
    """`folder` as one archive of the kind its name ends with, the folder at the archive's top."""
    suffix = next(s for s in ARCHIVES if archive.name.endswith(s))
    mode = ARCHIVES[suffix]
    if mode is None:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
            for path in sorted(folder.rglob("*")):
                packed.write(path, path.relative_to(folder.parent).as_posix())
    else:
        with tarfile.open(archive, mode) as tarred:
            tarred.add(folder, folder.name)
    return archive


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1", {"X-1"}),
        ("1.4.9", {"X-1"}),
        ("1.5", set()),
        ("1.9", set()),
        ("2.0", {"X-2"}),
        ("2.3", {"X-2"}),
        ("2.3.1", set()),
        ("9.9", {"X-2"}),
        ("not a version", set()),
    ],
)
def test_ranges_and_listed_versions(small_db: AdvisoryDB, version: str, expected: set[str]) -> None:
    assert {a["id"] for a in small_db.query("DEMO.pkg", version)} == expected


def test_limit_event_ends_the_range() -> None:
    entry = {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"limit": "1.2"}]}]}
    assert affects(entry, "1.1")
    assert not affects(entry, "1.2")


def test_fix_versions_and_date(small_db: AdvisoryDB) -> None:
    assert fix_versions(small_db.by_id["X-1"], "demo-pkg") == ["1.5"]
    info = small_db.info(today=date(2025, 3, 2))
    assert (info.snapshot_date, info.age_days, info.packages) == ("2025-01-31", 30, 1)
    assert info.origin == f"OSV advisories in {small_db.path}"  # it has no SOURCE.md


@pytest.mark.parametrize("suffix", list(ARCHIVES))
def test_an_archive_reads_as_the_folder_it_holds(
    small_folder: Path, small_db: AdvisoryDB, tmp_path: Path, suffix: str
) -> None:
    archive = pack(small_folder, tmp_path / f"{small_folder.name}{suffix}")
    db = AdvisoryDB(archive)
    assert db.by_id == small_db.by_id
    assert db.by_package == small_db.by_package
    # the date comes from the archive's name, as it came from the folder's
    today = date(2025, 3, 2)
    origin = f"OSV advisories in {archive}"
    assert db.info(today) == replace(small_db.info(today), path=str(archive), origin=origin)
    assert {a["id"] for a in db.query("demo-pkg", "2.1")} == {"X-2"}


def test_the_repository_archive_holds_its_whole_snapshot(advisory_folder: Path) -> None:
    archived, unpacked = AdvisoryDB(SNAPSHOT), AdvisoryDB(advisory_folder)
    assert len(archived.by_id) > 2000
    assert archived.by_id == unpacked.by_id
    assert list(archived.by_id) == list(unpacked.by_id)  # in the same order, aliases alike
    assert archived.by_package == unpacked.by_package
    info, expected = archived.info(), unpacked.info()
    assert info == replace(expected, path=str(SNAPSHOT))
    # SOURCE.md travels inside the archive: its date and origin, not a guess from the name
    assert (info.snapshot_date, info.advisories) == ("2024-10-10", 2661)
    assert info.origin.startswith("the public repository pypa/advisory-database, commit 3ccb612")


def test_a_missing_or_empty_snapshot_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        AdvisoryDB(tmp_path / "nowhere")
    with pytest.raises(EvidenceError, match="holds no OSV advisories"):
        AdvisoryDB(tmp_path)


def _cut(archive: Path) -> Path:
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    return archive


def _flipped(archive: Path) -> Path:
    """The archive with bytes in the middle of its compressed data changed."""
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    archive.write_bytes(bytes(data))
    return archive


def _bad_header(archive: Path) -> Path:
    """A plain tar with the header of a member in its middle overwritten: tarfile alone would
    end the listing there and say nothing."""
    with tarfile.open(archive) as tarred:
        members = tarred.getmembers()
    data = bytearray(archive.read_bytes())
    at = members[len(members) // 2].offset + 100  # the mode field, inside the checksum
    data[at : at + 8] = b"XXXXXXXX"
    archive.write_bytes(bytes(data))
    return archive


def test_a_wrong_path_or_an_unreadable_archive_is_one_sentence_and_a_hint(
    advisory_folder: Path, small_folder: Path, tmp_path: Path
) -> None:
    text = tmp_path / "advisories.txt"
    text.write_text("not an archive\n")
    garbage = tmp_path / "garbage.tar.xz"
    garbage.write_bytes(b"not an archive at all")
    # forty packages' advisories: half an archive of them leaves whole members before the cut
    vulns = tmp_path / "vulns"
    packages = [p for p in sorted((advisory_folder / "vulns").iterdir()) if p.is_dir()]
    for package in packages[:40]:
        shutil.copytree(package, vulns / package.name)
    cases = {
        tmp_path / "nowhere.tar.xz": "does not exist",
        text: "is a file but not an archive signoff reads",
        garbage: "cannot be read",
        _cut(pack(vulns, tmp_path / "cut.tar.xz")): "cannot be read",
        _cut(pack(vulns, tmp_path / "cut.zip")): "cannot be read",
        _flipped(pack(vulns, tmp_path / "flipped.tar.gz")): "cannot be read",
        # xz checks its checksum at the end of the stream, which tarfile alone never reaches
        _flipped(pack(vulns, tmp_path / "flipped.tar.xz")): "cannot be read",
        _flipped(pack(vulns, tmp_path / "flipped.zip")): "cannot be read",
        _bad_header(pack(vulns, tmp_path / "header.tar")): "cannot be read",
    }
    for path, says in cases.items():
        with pytest.raises(SignoffError) as caught:
            AdvisoryDB(path)
        error = caught.value
        assert type(error) is ConfigError, (path, error)
        assert error.message.startswith("The advisory "), error.message
        assert str(path) in error.message, error.message
        assert says in error.message, error.message
        # one sentence: one line, one full stop, at its end
        assert "\n" not in error.message, error.message
        assert error.message.count(". ") == 0, error.message
        assert error.message.endswith("."), error.message
        assert error.hint, path


def test_endpoint_answers_query_and_batch_and_refuses_other_ecosystems(
    small_db: AdvisoryDB,
) -> None:
    with OsvServer(small_db) as server:
        one = httpx.post(
            server.url,
            json={"package": {"name": "Demo-Pkg", "ecosystem": "PyPI"}, "version": "1.0"},
        )
        batch = httpx.post(
            server.url.replace("query", "querybatch"),
            json={
                "queries": [
                    {"package": {"name": "demo-pkg", "ecosystem": "PyPI"}, "version": "2.1"},
                    {"package": {"name": "demo-pkg", "ecosystem": "PyPI"}, "version": "3.0"},
                ]
            },
        )
        clean = httpx.post(
            server.url, json={"package": {"name": "other", "ecosystem": "PyPI"}, "version": "1.0"}
        )
        npm = httpx.post(
            server.url, json={"package": {"name": "x", "ecosystem": "npm"}, "version": "1.0"}
        )
        broken = httpx.post(server.url, content=b"{not json")
        assert server.queries == 4
    assert [v["id"] for v in one.json()["vulns"]] == ["X-1"]
    # names come back normalized so that clients find the fix versions by canonical name
    assert one.json()["vulns"][0]["affected"][0]["package"]["name"] == "demo-pkg"
    assert [[v["id"] for v in r.get("vulns", [])] for r in batch.json()["results"]] == [["X-2"], []]
    assert clean.status_code == 200
    assert clean.json() == {}
    assert npm.status_code == 400
    assert broken.status_code == 400


def test_pip_audit_finds_pysec_2018_28_offline_from_the_archive(tmp_path: Path) -> None:
    db = AdvisoryDB(SNAPSHOT)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("requests==2.19.0\n")
    with OsvServer(db) as server:
        result = run_pip_audit(requirements, tmp_path / "pip-audit.json", "offline", server.url, db)
        assert server.queries >= 1
    found = {v.id: v for v in result.vulns}
    assert "PYSEC-2018-28" in found
    assert found["PYSEC-2018-28"].fix_versions == ["2.20.0"]
    assert "CVE-2018-18074" in found["PYSEC-2018-28"].aliases
    assert result.audited == {"requests": "2.19.0"}
    assert not result.not_audited
