"""The dependency audit can fail: real pip-audit against the loopback endpoint over the real
advisory snapshot, in the shapes the snapshot holds (unquoted YAML timestamps, withdrawn
advisories, ranges with and without a fixed version, aliases, CVSS vectors).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from packaging.version import InvalidVersion, Version

from signoff.errors import EvidenceError
from signoff.records import Status
from signoff.security.advisories import AdvisoryDB
from signoff.security.osv_server import OsvServer
from signoff.security.pip_audit_runner import crash_reason, run_pip_audit
from tests.conftest import ADVISORIES as SNAPSHOT
from tests.conftest import ROOT
from tests.test_security_layer import audit, check

# the two timestamp formats pip-audit's OSV client reads (anything else crashes it)
PIP_AUDIT_TIMES = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")
# one pin per shape, each checked against its YAML file in the snapshot
SHAPES = (
    "gevent==23.7.0\n"  # PYSEC-2023-177: unquoted timestamps, fixed in 23.9.0
    "zstd==1.5.5.1\n"  # PYSEC-2023-121: unquoted timestamps, no fixed version
    "hyperledger==0.1.5\n"  # PYSEC-2022-43055: withdrawn (an unquoted timestamp too)
    "aiohttp==3.9.1\n"  # two CVSS v3 rated advisories with aliases, one withdrawn one
    "flask-caching==2.0.2\n"  # only a withdrawn advisory
    "idna==3.10\n"  # no advisory at all
)
EXPECTED = {
    "PYSEC-2023-177": "gevent 23.7.0: PYSEC-2023-177 (CVE-2023-41419), severity UNKNOWN, "
    "fixed in 23.9.0",
    "PYSEC-2023-121": "zstd 1.5.5.1: PYSEC-2023-121 (CVE-2022-4899), severity UNKNOWN, "
    "no fixed version known",
    "PYSEC-2024-24": "aiohttp 3.9.1: PYSEC-2024-24 (CVE-2024-23334, GHSA-5h86-8mv2-jq9f), "
    "severity HIGH 7.5, fixed in 3.9.2",
    "PYSEC-2024-26": "aiohttp 3.9.1: PYSEC-2024-26 (CVE-2024-23829, GHSA-8qpw-xqxj-h4r2), "
    "severity MEDIUM 6.5, fixed in 3.9.2",
}
WITHDRAWN = ("PYSEC-2022-43055", "PYSEC-2022-43059", "PYSEC-2021-13")


@pytest.fixture(scope="module")
def snapshot() -> AdvisoryDB:
    return AdvisoryDB(SNAPSHOT)


def _pip_audit_reads(stamp: object) -> bool:
    for layout in PIP_AUDIT_TIMES:
        try:
            datetime.strptime(str(stamp), layout).replace(tzinfo=UTC)
        except ValueError:
            continue
        return True
    return False


def _not_osv_json(advisory: dict[str, Any]) -> list[str]:
    """What in one served advisory pip-audit could not read."""
    bad = [
        f"{key}={advisory[key]!r}"
        for key in ("modified", "published", "withdrawn")
        if key in advisory and not _pip_audit_reads(advisory[key])
    ]
    for entry in advisory.get("affected") or []:
        texts = list(entry.get("versions") or [])
        texts += [v for rng in entry.get("ranges") or [] for e in rng["events"] for v in e.values()]
        bad += [f"version {v!r}" for v in texts if not isinstance(v, str)]
    return bad


def test_every_advisory_of_the_snapshot_is_served_as_osv_json(
    snapshot: AdvisoryDB, advisory_folder: Path
) -> None:
    # the snapshot is read from its archive; the files are counted in the folder it holds
    files = [p for p in (advisory_folder / "vulns").rglob("*") if p.suffix in (".yaml", ".json")]
    ids = sorted({str(a["id"]) for a in snapshot.by_id.values()})
    assert len(ids) == len(files) > 2000
    problems: dict[str, object] = {}
    with OsvServer(snapshot) as server, httpx.Client() as client:
        base = server.url.removesuffix("/query")
        for ident in ids:
            reply = client.get(f"{base}/vulns/{ident}")
            if reply.status_code != 200:
                problems[ident] = reply.text
            elif bad := _not_osv_json(reply.json()):
                problems[ident] = bad
        assert server.errors == []
    assert problems == {}
    # unquoted in its YAML file, so YAML read it as a datetime: served as pip-audit's text
    assert snapshot.by_id["PYSEC-2023-177"]["modified"] == "2023-09-25T14:28:09.019811Z"
    assert snapshot.by_id["PYSEC-2024-55"]["modified"] == "0001-01-01T00:00:00Z"


def test_pip_audit_reports_the_snapshot_advisories_in_every_shape(
    snapshot: AdvisoryDB, tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(SHAPES)
    output = tmp_path / "pip-audit.json"
    with OsvServer(snapshot) as server:
        result = run_pip_audit(requirements, output, "offline", server.url, snapshot)
        assert server.errors == []
        assert server.queries == 6
    assert {v.id: v.line() for v in result.vulns} == EXPECTED
    # the endpoint serves withdrawn advisories as OSV does; pip-audit must not report them
    assert "PYSEC-2022-43059" in {a["id"] for a in snapshot.query("aiohttp", "3.9.1")}
    assert "PYSEC-2022-43055" in {a["id"] for a in snapshot.query("hyperledger", "0.1.5")}
    reported = output.read_text()
    assert all(ident in reported for ident in EXPECTED)
    assert not any(ident in reported for ident in WITHDRAWN)
    assert len(result.audited) == 6
    assert result.not_audited == {}


def _one_pin_per_package(db: AdvisoryDB) -> dict[str, str]:
    """A version listed by a live advisory of each package, where one is written canonically."""
    pins: dict[str, str] = {}
    for name, advisories in sorted(db.by_package.items()):
        listed = [
            v
            for a in advisories
            if not a.get("withdrawn")
            for entry in a.get("affected") or []
            for v in entry.get("versions") or []
        ]
        plain = [v for v in listed if _canonical(v)]
        if plain:
            pins[name] = plain[0]
    return pins


def _canonical(text: str) -> bool:
    try:
        return str(Version(text)) == text
    except InvalidVersion:
        return False


def test_real_pip_audit_reads_an_advisory_of_every_package(
    snapshot: AdvisoryDB, tmp_path: Path
) -> None:
    pins = _one_pin_per_package(snapshot)
    assert len(pins) > 0.9 * len(snapshot.by_package)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
    with OsvServer(snapshot) as server:
        result = run_pip_audit(
            requirements, tmp_path / "pip-audit.json", "offline", server.url, snapshot
        )
        assert server.errors == []
    assert result.not_audited == {}
    assert {v.package for v in result.vulns} == set(pins)


def test_an_answer_the_endpoint_cannot_build_is_a_500_and_a_one_line_reason(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "mini-2025-01-31"
    (folder / "vulns").mkdir(parents=True)
    (folder / "vulns" / "X-1.json").write_text(_advisory("X-1", "demo-pkg", "1.5"))
    db = AdvisoryDB(folder)
    # what a YAML timestamp used to be: an object json cannot encode
    db.by_id["X-1"]["modified"] = datetime(2024, 1, 1, tzinfo=UTC)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("demo-pkg==1.0\n")
    with OsvServer(db) as server, pytest.raises(EvidenceError) as caught:
        run_pip_audit(requirements, tmp_path / "pip-audit.json", "offline", server.url, db)
    assert len(server.errors) == 1
    assert "TypeError" in server.errors[0]
    _one_sentence(caught.value.message)
    assert "500 Server Error" in caught.value.message


def _advisory(ident: str, name: str, fixed: str) -> str:
    return json.dumps(
        {
            "id": ident,
            "modified": "2024-01-01T00:00:00Z",
            "affected": [
                {
                    "package": {"name": name, "ecosystem": "PyPI"},
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                    ],
                    "versions": ["1.0"],
                }
            ],
        }
    )


def _one_sentence(text: str) -> None:
    assert "\n" not in text
    assert "Traceback" not in text
    assert 'File "' not in text


def test_crash_reason_keeps_the_line_that_says_why() -> None:
    traceback = (
        "WARNING:pip_audit._cli:--no-deps is supported\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in send\n'
        "    raise HTTPError(e)\n"
        "requests.exceptions.HTTPError: 500 Server Error: for url: /v1/query\n\n"
        "The above exception was the direct cause of the following exception:\n\n"
        "Traceback (most recent call last):\n"
        '  File "y.py", line 2, in query\n'
        "    raise ServiceError from http_error\n"
        "pip_audit._service.interface.ServiceError\n"
    )
    assert crash_reason(traceback) == "HTTPError: 500 Server Error: for url: /v1/query"
    logged = "WARNING:pip_audit._cli:hash\nERROR:pip_audit._cli:requirement idna is not pinned.\n"
    assert crash_reason(logged) == "requirement idna is not pinned"
    assert crash_reason("") == "no output"
    invalid = "Traceback (most recent call last):\n  File \"z.py\"\nInvalidVersion: Invalid '!'.\n"
    assert crash_reason(invalid) == "InvalidVersion: Invalid '!'"


# --- the audit layer, as `nox -s audit` runs it -------------------------------------------


def _stack_pins(swap: dict[str, str] | None = None) -> str:
    """The reference stack's pinned set (read, never changed), with some pins swapped."""
    lines = (ROOT / "stack" / "requirements.txt").read_text().splitlines()
    pins = {line.split("==")[0]: line for line in lines if "==" in line}
    pins.update(swap or {})
    return "\n".join(pins.values()) + "\n"


def test_the_stack_pins_pass_and_a_vulnerable_pin_fails_with_its_advisory(
    tmp_path: Path,
) -> None:
    clean = audit(tmp_path / "clean", requirements=_stack_pins())
    assert clean.status is Status.PASS, clean.reasons
    assert check(clean, "known vulnerabilities")[0] is Status.PASS

    record = audit(tmp_path / "vulnerable", requirements=_stack_pins({"redis": "redis==4.5.0"}))
    assert record.status is Status.FAIL
    [found] = [c for c in record.checks if c.name == "known vulnerabilities"]
    assert found.status is Status.FAIL
    assert found.message.startswith("2 unwaived known vulnerabilities: ")
    assert "redis 4.5.0: PYSEC-2023-45 (CVE-2023-28858), severity UNKNOWN, fixed in 4.3.6" in (
        found.message
    )
    assert "redis 4.5.0: PYSEC-2023-46 (CVE-2023-28859)" in found.message
    assert "PYSEC-2023-73" not in found.message  # withdrawn, though it covers every redis
    assert found.message in record.reasons
    assert found.evidence == record.artifacts["pip_audit"]
    evidence = json.loads((tmp_path / "vulnerable" / "run" / found.evidence).read_text())
    [redis] = [d for d in evidence["dependencies"] if d["name"] == "redis"]
    assert {v["id"] for v in redis["vulns"]} == {"PYSEC-2023-45", "PYSEC-2023-46"}


def test_a_vulnerability_without_a_fix_fails_until_a_waiver_accepts_it(tmp_path: Path) -> None:
    record = audit(tmp_path / "open", requirements="zstd==1.5.5.1\n")
    assert record.status is Status.FAIL
    status, message = check(record, "known vulnerabilities")
    assert status is Status.FAIL
    assert message == (
        "1 unwaived known vulnerabilities: zstd 1.5.5.1: PYSEC-2023-121 (CVE-2022-4899), "
        "severity UNKNOWN, no fixed version known."
    )
    waiver = (
        '[[waiver]]\nid = "CVE-2022-4899"\nreason = "the CLI is not shipped"\n'
        'owner = "sec"\nexpires = 2999-01-01\n'
    )
    waived = audit(tmp_path / "waived", requirements="zstd==1.5.5.1\n", waivers=waiver)
    assert waived.status is Status.PASS, waived.reasons
    assert waived.figures["vulnerabilities"][0]["waived"] is True


def test_a_pip_audit_crash_is_inconclusive_with_one_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "advisories-2025-01-31"
    (folder / "vulns").mkdir(parents=True)
    # a fixed version pip-audit cannot parse makes it raise InvalidVersion mid-run
    (folder / "vulns" / "X-9.json").write_text(_advisory("X-9", "demo-pkg", "not a version!"))
    record = audit(
        tmp_path / "project", requirements="demo-pkg==1.0\n", advisory_db=json.dumps(str(folder))
    )
    assert record.status is Status.INCONCLUSIVE
    problem = record.figures["problems"]["pip-audit"]
    reason = problem.split(" Tip: ")[0]
    assert reason.startswith("pip-audit stopped without a report (exit 1): InvalidVersion: ")
    _one_sentence(problem)
    [found] = [c for c in record.checks if c.name == "known vulnerabilities"]
    assert found.status is Status.INCONCLUSIVE
    assert found.evidence == record.artifacts["pip_audit_log"] == "audit/pip-audit.log"
    assert "InvalidVersion" in (tmp_path / "project" / "run" / found.evidence).read_text()
    assert record.figures["score"] is None
