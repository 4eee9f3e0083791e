"""The offline advisory source: OSV matching, the loopback endpoint, and pip-audit through it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from signoff.errors import EvidenceError
from signoff.security.advisories import AdvisoryDB, affects, fix_versions, snapshot_date
from signoff.security.osv_server import OsvServer
from signoff.security.pip_audit_runner import run_pip_audit
from tests.conftest import ROOT

SNAPSHOT = ROOT.parent / "shared" / "advisory-db" / "pypa-2024-10-10"


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
def small_db(tmp_path_factory: pytest.TempPathFactory) -> AdvisoryDB:
    folder = tmp_path_factory.mktemp("osv") / "mini-2025-01-31"
    (folder / "vulns" / "demo").mkdir(parents=True)
    (folder / "vulns" / "demo" / "X-1.json").write_text(
        _advisory("X-1", "Demo_Pkg", [{"introduced": "0"}, {"fixed": "1.5"}], [])
    )
    (folder / "vulns" / "demo" / "X-2.json").write_text(
        _advisory("X-2", "demo-pkg", [{"introduced": "2.0"}, {"last_affected": "2.3"}], ["9.9"])
    )
    return AdvisoryDB(folder)


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
    assert snapshot_date(SNAPSHOT) == date(2024, 10, 10)


def test_a_missing_or_empty_snapshot_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="does not exist"):
        AdvisoryDB(tmp_path / "nowhere")
    with pytest.raises(EvidenceError, match="holds no OSV advisories"):
        AdvisoryDB(tmp_path)


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


def test_pip_audit_finds_pysec_2018_28_offline(tmp_path: Path) -> None:
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
