"""The audit layer end to end on small projects: real bandit, real pip-audit, offline advisories.

The live HTTP checks are off here (tests/test_security_http.py runs them); everything else is
the layer exactly as `nox -s audit` runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.audit import DB_ENV
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status, read_record
from tests.conftest import ADVISORIES as SNAPSHOT
from tests.conftest import ROOT

POLICY = ROOT / "audits" / "bandit.toml"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"
PLANTED = "import subprocess\n\n\ndef go(cmd: str) -> None:\n    subprocess.run(cmd, shell=True)\n"


def audit(
    tmp_path: Path,
    code: str = CLEAN,
    requirements: str = "idna==3.10\n",
    waivers: str = "",
    target: str = 'requirements = "requirements.txt"',
    **settings: str,
) -> LayerRecord:
    """Write a project with one source file and run the audit layer on it; `target` holds the
    `[target]` lines beside source_paths."""
    (tmp_path / "src").mkdir(parents=True, exist_ok=True)
    (tmp_path / "src" / "app.py").write_text(code)
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "waivers.toml").write_text(waivers)
    values = {
        "waivers": '"waivers.toml"',
        "advisory_db": json.dumps(str(SNAPSHOT)),
        "http_checks": "false",
        "bandit_config": json.dumps(str(POLICY)),
        **settings,
    }
    table = "\n".join(f"{key} = {value}" for key, value in values.items())
    (tmp_path / "signoff.toml").write_text(
        f'[target]\nsource_paths = ["src"]\n{target}\n\n[audit]\n{table}\n'
    )
    cfg = config.load(tmp_path)
    record = run_layer(
        LayerContext(run_dir=tmp_path / "run", config=cfg, profile="pr", name="audit")
    )
    assert read_record(tmp_path / "run" / "audit", "audit") == record  # written as returned
    return record


@pytest.fixture(params=["archive", "folder", "archive named by the environment"])
def snapshot(
    request: pytest.FixtureRequest, advisory_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The audit settings that name the advisory snapshot, each way a user can name it."""
    if request.param == "folder":
        return {"advisory_db": json.dumps(str(advisory_folder))}
    if request.param == "archive":
        return {"advisory_db": json.dumps(str(SNAPSHOT))}
    monkeypatch.setenv(DB_ENV, str(SNAPSHOT))
    return {"advisory_db": '""', "source": '"offline"'}


def check(record: LayerRecord, name: str) -> tuple[Status, str]:
    found = [c for c in record.checks if c.name == name]
    assert found, f"no check {name!r} in {[c.name for c in record.checks]}"
    return found[0].status, found[0].message


def test_a_clean_project_passes_with_evidence(tmp_path: Path, snapshot: dict[str, str]) -> None:
    record = audit(tmp_path, **snapshot)
    assert record.status is Status.PASS, record.reasons
    assert record.figures["score"] == 100.0
    assert set(record.figures["breakdown"]) == {"bandit", "dependencies", "http"}
    assert record.evaluated["dependencies"] == record.declared["dependencies"] == 1
    source = record.figures["advisory_source"]
    assert (source["source"], source["snapshot_date"]) == ("offline", "2024-10-10")
    assert (source["advisories"], source["packages"]) == (2661, 664)
    assert source["origin"].startswith("the public repository pypa/advisory-database")
    assert source["age_days"] > 0
    assert source["queries"] == 1
    # the snapshot is older than the default limit: the record warns, it does not fail
    assert any("days old" in w for w in record.figures["warnings"])
    for name in ("bandit", "pip_audit"):
        assert (tmp_path / "run" / record.artifacts[name]).is_file()


def test_planted_shell_true_fails_the_gate(tmp_path: Path) -> None:
    record = audit(tmp_path, code=PLANTED)
    assert record.status is Status.FAIL
    status, message = check(record, "unwaived HIGH bandit findings")
    assert status is Status.FAIL
    assert "B602:src/app.py:" in message
    assert record.figures["breakdown"]["bandit"]["penalty"] == 10.0


def test_a_waiver_covers_the_finding_until_it_expires(tmp_path: Path) -> None:
    ids = audit(tmp_path / "a", code=PLANTED).figures["bandit_findings"]["ids"]
    [finding] = [i for i in ids if i.startswith("B602:")]
    entry = f'[[waiver]]\nid = "{finding}"\nreason = "demo"\nowner = "sec"\n'
    waived = audit(tmp_path / "b", code=PLANTED, waivers=entry + "expires = 2999-01-01\n")
    assert waived.status is Status.PASS, waived.reasons
    assert waived.figures["waivers"]["applied"] == [finding]
    expired = audit(tmp_path / "c", code=PLANTED, waivers=entry + "expires = 2020-02-29\n")
    assert expired.status is Status.FAIL
    status, message = check(expired, "expired waivers")
    assert status is Status.FAIL
    assert finding in message
    assert "2020-02-29" in message


def test_a_waiver_that_matches_nothing_is_reported(tmp_path: Path) -> None:
    entry = '[[waiver]]\nid = "B999:gone.py:0"\nreason = "x"\nowner = "y"\nexpires = 2999-01-01\n'
    record = audit(tmp_path, waivers=entry)
    assert record.status is Status.PASS
    assert record.figures["waivers"]["unmatched"] == ["B999:gone.py:0"]
    assert "1 waivers matched nothing" in record.summary


def test_a_malformed_waiver_stops_the_layer_before_any_work(tmp_path: Path) -> None:
    entry = '[[waiver]]\nid = "x"\nreason = "y"\nexpires = 2999-01-01\n'
    record = audit(tmp_path, waivers=entry)
    assert record.status is Status.INCONCLUSIVE
    assert "has no owner" in record.reasons[0], record.reasons
    assert not (tmp_path / "run" / "audit" / "bandit.json").exists()


def test_a_vulnerability_with_a_fix_fails(tmp_path: Path, snapshot: dict[str, str]) -> None:
    record = audit(tmp_path, requirements="requests==2.19.0\n", **snapshot)
    assert record.status is Status.FAIL
    status, message = check(record, "known vulnerabilities")
    assert status is Status.FAIL
    assert "requests 2.19.0: PYSEC-2018-28 (CVE-2018-18074" in message
    assert "fixed in 2.20.0" in message
    assert record.figures["breakdown"]["dependencies"]["items"] >= 2


def test_pypi_source_that_cannot_resolve_is_inconclusive(tmp_path: Path) -> None:
    # pip-audit's default service either cannot be reached here (it then skips every package
    # and still says "No known vulnerabilities found") or it cannot find the made-up name
    record = audit(
        tmp_path, requirements="idna==3.10\nsignoff-no-such-package-q7==1.0\n", source='"pypi"'
    )
    assert record.status is Status.INCONCLUSIVE
    status, message = check(record, "dependencies not audited")
    assert status is Status.INCONCLUSIVE
    assert "signoff-no-such-package-q7" in record.figures["not_audited"]
    assert "signoff-no-such-package-q7" in message


def test_an_unpinned_requirement_is_inconclusive(tmp_path: Path) -> None:
    record = audit(tmp_path, requirements="idna>=3\n")
    assert record.status is Status.INCONCLUSIVE
    assert "not pinned" in record.figures["problems"]["pip-audit"]
    assert record.evaluated.get("dependencies", 0) == 0


def test_a_missing_snapshot_is_inconclusive(tmp_path: Path) -> None:
    record = audit(tmp_path, advisory_db='"no-such-snapshot"')
    assert record.status is Status.INCONCLUSIVE
    problem = record.figures["problems"]["pip-audit"]
    assert "no-such-snapshot does not exist, so no dependency was audited" in problem
    assert "Tip: point [tool.signoff.audit] advisory_db" in problem
    status, message = check(record, "known vulnerabilities")
    assert status is Status.INCONCLUSIVE
    assert "Tip:" in message
    assert record.figures["score"] is None


def test_an_unreadable_archive_is_inconclusive_with_one_sentence(tmp_path: Path) -> None:
    broken = tmp_path / "advisories-2024-10-10.tar.xz"
    broken.write_bytes(SNAPSHOT.read_bytes()[:100_000])  # a download that stopped early
    record = audit(tmp_path, advisory_db=json.dumps(str(broken)))
    assert record.status is Status.INCONCLUSIVE
    problem = record.figures["problems"]["pip-audit"]
    assert problem.startswith(f"The advisory archive {broken} cannot be read: it is damaged")
    assert "\n" not in problem
    assert "Tip: replace it with a complete copy" in problem
    status, message = check(record, "known vulnerabilities")
    assert status is Status.INCONCLUSIVE
    assert "cannot be read" in message
    assert record.figures["score"] is None


def test_a_file_bandit_cannot_parse_is_inconclusive(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "broken.py").write_text("def f(:\n    pass\n")
    record = audit(tmp_path)
    assert record.status is Status.INCONCLUSIVE
    assert record.evaluated["files"] == record.declared["files"] - 1
    assert "src/broken.py" in record.figures["bandit_unparsed"]
