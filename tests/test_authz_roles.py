"""A lower role on a real service: shelf accounts of the role `reader` may only read, and the
authz layer, configured only (the auth command names {role}, `[authz] lower_role` and
`privileged`), sends shelf's writes as a reader; a planted missing role check fails it."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.records import Status
from tests.shelf import SETTINGS, failed, run_on_shelf

pytestmark = pytest.mark.stack

WRITES = ["POST /api/items", "DELETE /api/items/{item_id}"]
AUTHZ = f"""
[authz]
lower_role = "reader"
privileged = {WRITES!r}
""".replace("'", '"')
NO_ROLE = SETTINGS + AUTHZ
WITH_ROLE = NO_ROLE.replace('"token", "{name}"]', '"token", "{name}", "{role}"]')


def project_with(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Path:
    folder = tmp_path_factory.mktemp(name)
    (folder / "signoff.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert WITH_ROLE != NO_ROLE  # the auth command was found, and now names {role}
    return project_with(tmp_path_factory, "shelf-roles", WITH_ROLE)


def test_authz_passes_with_every_write_refused_to_the_reader(project: Path) -> None:
    record = run_on_shelf(project, "authz")
    assert record.status is Status.PASS, record.reasons
    assert "lower" in record.figures["identities"]
    assert record.figures["privileged judged"] == WRITES
    assert record.evaluated["privileged operations"] == 2
    refused = {c.name: c.figure for c in record.checks if "lower identity" in c.name}
    # 403, the role's refusal: a member sent in its place creates (201) or finds nothing (404)
    assert refused == {f"{op}: refuses the lower identity 'lower'": 403 for op in WRITES}
    assert "GET /api/items/{item_id}" in record.figures["judged"]


def test_authz_fails_when_a_reader_may_create_items(project: Path) -> None:
    record = run_on_shelf(project, "authz", "readerwrites")
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == ["POST /api/items: refuses the lower identity 'lower'"]
    (reason,) = record.reasons
    assert reason.startswith("POST /api/items succeeded (201) for identity 'lower'")
    assert "function-level" in reason
    assert "authz/exchanges.json" in reason


def test_a_lower_role_the_auth_command_cannot_name_is_inconclusive(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    record = run_on_shelf(project_with(tmp_path_factory, "shelf-no-role", NO_ROLE), "authz")
    assert record.status is Status.INCONCLUSIVE, record.reasons
    assert record.summary.startswith("[authz] lower_role is 'reader', but the target makes")
    assert record.summary.count(". ") == 0  # one sentence
    (reason,) = record.reasons
    assert "Tip: name {role} in the auth command" in reason
