"""What `signoff init` reads from a document beyond what it states, on services that are not
the ledger: the readiness route, reads whose credentials are optional, a JSON login nested in
its body, and the operations that revoke or demote the caller's own credential."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from signoff import config
from signoff.init import init, public_operations, starter
from signoff.init_guess import ready_path, self_harm
from tests.pantry import document

OK = {"responses": {"200": {"description": "ok"}}}


def paths(*names: str, **extra: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {name: {"get": OK} for name in names}
    return {"openapi": "3.1.0", "info": {"title": "t"}, "paths": {**found, **extra}}


def test_the_pantry_starter_reads_readiness_optional_reads_login_and_self_harm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "openapi.json").write_text(json.dumps(document()), encoding="utf-8")
    init(tmp_path, str(tmp_path / "openapi.json"), None, False)
    capsys.readouterr()
    text = (tmp_path / "signoff.toml").read_text(encoding="utf-8")
    assert "base_url" not in tomllib.loads(text)  # a file has no address to run against
    target = config.load(tmp_path).target
    assert target.ready_path == "/api/health-check/"
    assert {"GET /api/recipes", "GET /api/recipes/{slug}"} <= set(target.public_operations)
    assert "GET /api/items" not in target.public_operations
    login = target.auth
    assert (login.kind, login.login_url, login.token_path, login.format) == (
        "login",
        "/api/users/login",
        "user.token",
        "Token {token}",
    )
    assert login.login_json == {
        "user": {"email": "{SIGNOFF_USERNAME}", "password": "{SIGNOFF_PASSWORD}"}
    }
    assert config.load(tmp_path).fuzz.last_operations == (
        "PATCH /api/users/{user_id}",
        "DELETE /api/user/sessions",
        "POST /api/users/logout",
    )
    assert "#   PATCH /api/users/{user_id}: can change a user's email, is_active, role" in text


def test_the_readiness_guess_ranks_health_like_reads_without_parameters() -> None:
    template = paths("/", "/api/v1/items/", "/api/v1/utils/health-check/", "/status")
    assert ready_path(template) == "/api/v1/utils/health-check/"
    assert ready_path({**template, "paths": {**template["paths"], "/readyz": {"get": OK}}}) == (
        "/readyz"
    )
    with_param: dict[str, Any] = {"get": {**OK, "parameters": [{"name": "part", "in": "path"}]}}
    no_200: dict[str, Any] = {"get": {"responses": {"204": {"description": "empty"}}}}
    bare = paths("/api/items", **{"/health/{part}": with_param, "/healthz": no_200})
    assert ready_path(bare) is None
    assert starter(bare, "openapi.json", None)["target"]["ready_path"] == "/"
    from_url = starter(bare, "http://127.0.0.1:9/docs/openapi.json", None)
    assert from_url["target"]["ready_path"] == "/docs/openapi.json"  # it answered just now


def test_an_empty_requirement_makes_credentials_optional() -> None:
    secured = {"get": {**OK, "security": [{"key": []}]}}
    optional = {"get": {**OK, "security": [{"key": []}, {}]}}
    per_operation = paths("/open", **{"/mine": secured, "/feed": optional})
    assert sorted(public_operations(per_operation)) == ["GET /feed", "GET /open"]
    whole = {**paths("/inherits", **{"/mine": secured}), "security": [{}, {"key": []}]}
    assert public_operations(whole) == ["GET /inherits"]


def test_credential_revoking_and_self_demoting_operations_are_found() -> None:
    def body(*fields: str) -> dict[str, Any]:
        schema = {"properties": {name: {"type": "string"} for name in fields}}
        return {"requestBody": {"content": {"application/json": {"schema": schema}}}, **OK}

    template = {
        "openapi": "3.1.0",
        "paths": {
            "/api/v1/login/access-token": {"post": OK},
            "/api/v1/users/me": {"patch": body("full_name", "email"), "delete": OK},
            "/api/v1/users/me/password": {"patch": body("current_password", "new_password")},
            "/api/v1/users/{user_id}": {"patch": body("is_superuser", "is_active"), "get": OK},
            "/api/v1/items/{id}": {"put": body("title", "is_active"), "delete": OK},
            "/api/v1/api-keys/{key_id}": {"delete": OK},
            "/api/v1/logout": {"post": OK},
        },
    }
    assert self_harm(template) == {
        "PATCH /api/v1/users/me": "can change a user's email",
        "DELETE /api/v1/users/me": "deletes a user, maybe the caller",
        "PATCH /api/v1/users/me/password": "changes a user's password",
        "PATCH /api/v1/users/{user_id}": "can change a user's is_active, is_superuser",
        "DELETE /api/v1/api-keys/{key_id}": "deletes credentials",
        "POST /api/v1/logout": "logs the caller out",
    }
