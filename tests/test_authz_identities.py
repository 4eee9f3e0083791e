"""Identities a login service makes itself, and operations only a higher role may call.

The notebook target (one admin account, accounts made by an admin-only `POST /api/users` or by
`python -m notebook adduser`) is configured for the authz layer with configuration only: it
passes as it is, and fails with a planted cross-user read and a planted missing admin check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from signoff import config
from signoff.config import dumps
from signoff.errors import ConfigError, EvidenceError
from signoff.layers import LayerContext
from signoff.layers.authz import identities
from signoff.layers.run import run_layer
from signoff.records import LayerRecord, Status
from signoff.stack.interface import StackHandle
from signoff.stack.local import LocalProvider
from signoff.target import Auth, Target
from tests.conftest import ROOT

NOTEBOOK = ROOT / "tests" / "targets" / "notebook"
PASSWORD = "correct horse battery staple"
LOGIN = {"username": "{name}", "password": "{password}"}
BY_REQUEST = {"url": "/api/users", "json": LOGIN, "login_form": LOGIN}
BY_COMMAND = {
    "command": ["python", "-m", "notebook", "adduser", "{name}", "{password}"],
    "login_form": LOGIN,
}


def settings(identity: dict[str, Any]) -> dict[str, Any]:
    return {
        "target": {
            "cwd": str(NOTEBOOK),
            "services": ["postgres"],
            "ready_path": "/healthz",
            "openapi": "/api/openapi.json",
            "public_operations": ["GET /healthz", "GET /api/openapi.json", "POST /api/auth/login"],
            "env": {
                "NOTEBOOK_DSN": "{postgres_url}",
                "NOTEBOOK_ADMIN_PASSWORD": PASSWORD,
            },
            "processes": {
                "web": {"command": ["python", "-m", "notebook", "serve", "--port", "{port}"]}
            },
            "auth": {
                "kind": "login",
                "login_url": "/api/auth/login",
                "login_form": {"username": "admin", "password": "{NOTEBOOK_ADMIN_PASSWORD}"},
                "identity": identity,
            },
        },
        "authz": {"privileged": ["POST /api/users"]},
    }


def project_with(folder: Path, identity: dict[str, Any]) -> Path:
    text = dumps(settings(identity)).replace("[tool.signoff]", "", 1)
    (folder / "signoff.toml").write_text(text.replace("tool.signoff.", ""), encoding="utf-8")
    return folder


def run_authz(project: Path, bugs: str = "") -> LayerRecord:
    cfg = config.load(project)
    env = {"NOTEBOOK_BUGS": bugs} if bugs else {}
    run_dir = project / "reports" / f"authz-{bugs or 'none'}"
    return run_layer(LayerContext(run_dir, cfg, "pr", name="authz", service_env=env))


def failed(record: LayerRecord) -> list[str]:
    return [c.name for c in record.checks if c.status is Status.FAIL]


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ({"url": "/api/users"}, "needs a json or form body"),
        ({"url": "/u", "command": ["x"], "json": LOGIN}, "both url and command"),
        ({"json": LOGIN}, "no url to send it to"),
        ({"command": ["adduser", "{name}"]}, "never names {password}"),
        ({"command": ["adduser", "{name}", "{password}"]}, "does not name both {name}"),
    ],
)
def test_an_identity_table_that_cannot_make_a_working_identity_is_one_sentence(
    tmp_path: Path, identity: dict[str, Any], message: str
) -> None:
    project = project_with(tmp_path, identity)
    with pytest.raises(ConfigError, match=message) as caught:
        config.load(project)
    assert "target.auth.identity" in caught.value.message
    assert caught.value.message.count(". ") == 0  # one sentence


def test_an_identity_table_needs_a_login(tmp_path: Path) -> None:
    values = settings(BY_COMMAND)
    values["target"]["auth"] = {
        "kind": "command",
        "command": ["mint", "{name}"],
        "identity": BY_COMMAND,
    }
    text = dumps(values).replace("[tool.signoff]", "", 1).replace("tool.signoff.", "")
    (tmp_path / "signoff.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match='for kind = "login"'):
        config.load(tmp_path)


def test_a_lower_role_needs_an_identity_that_names_it() -> None:
    handle = StackHandle("url", "http://127.0.0.1:9")
    command = Auth(kind="command", command=["mint", "{name}"])
    with pytest.raises(EvidenceError, match="without naming \\{role\\}"):
        identities(handle, command, lower_role="viewer")
    with pytest.raises(EvidenceError, match="cannot make new credentials"):
        identities(handle, Auth(kind="command", command=["mint", "{name}", "{role}"]), "viewer")


@pytest.mark.stack
def test_a_login_service_makes_new_identities_by_its_command(tmp_path: Path) -> None:
    target = config.load(project_with(tmp_path, BY_COMMAND)).target
    assert isinstance(target, Target)
    provider = LocalProvider(target, tmp_path, tmp_path / "logs")
    with provider as handle:
        tokens = [handle.controls.new_credential(who) for who in ("owner", "other")]
        names = [
            httpx.get(f"{handle.base_url}/api/me", headers={"Authorization": f"Bearer {t}"})
            .json()
            .get("username")
            for t in [handle.token, *tokens]
        ]
        kept = {s.name for s in handle.secrets.items()}
    assert names[0] == "admin"
    assert names[1].startswith("owner")
    assert names[2].startswith("other")
    assert len(set(names)) == 3
    assert {"password.owner", "password.other", "credential.owner"} <= kept


@pytest.mark.stack
def test_authz_passes_on_the_notebook_as_it_is(tmp_path: Path) -> None:
    record = run_authz(project_with(tmp_path, BY_REQUEST))
    assert record.status is Status.PASS, record.reasons
    assert "GET /api/notes/{note_id}" in record.figures["judged"]
    assert record.figures["privileged judged"] == ["POST /api/users"]
    assert record.evaluated["privileged operations"] == 1
    names = [c.name for c in record.checks]
    assert "POST /api/users: refuses the lower identity 'other'" in names


@pytest.mark.stack
@pytest.mark.parametrize(
    ("bug", "check", "words"),
    [
        ("shared", "GET /api/notes/{note_id}: refuses identity 'other'", "object-level"),
        ("noadmin", "POST /api/users: refuses the lower identity 'other'", "function-level"),
    ],
)
def test_authz_fails_on_a_planted_bug_naming_the_route(
    tmp_path: Path, bug: str, check: str, words: str
) -> None:
    record = run_authz(project_with(tmp_path, BY_REQUEST), bug)
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == [check], record.reasons
    (reason,) = record.reasons
    assert words in reason
    assert "'other'" in reason
    assert "authz/exchanges.json" in reason
