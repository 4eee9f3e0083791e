"""Logging in to a service that is not the ledger (tests/targets/pantry): a nested JSON login
body with placeholders inside it, the token found deep in the answer, sent as
`Authorization: Token …`; and an auth command's failure quoted by its exception."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from signoff import config
from signoff.config import dumps
from signoff.errors import StackStartError
from signoff.stack import auth
from signoff.target import Auth
from tests.pantry import AUTH, ENV, serve


@pytest.fixture(scope="module")
def pantry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(tmp_path_factory.mktemp("pantry") / "pantry.log")


def configured(tmp_path: Path) -> Auth:
    """`[target.auth]` as a user writes it in TOML, read by signoff's own loader."""
    text = dumps({"target": {"auth": AUTH}}).replace("[tool.signoff]", "", 1)
    (tmp_path / "signoff.toml").write_text(text.replace("tool.signoff.", ""), encoding="utf-8")
    return config.load(tmp_path).target.auth


def test_a_nested_login_body_logs_in_and_the_token_is_sent_as_token(
    pantry: str, tmp_path: Path
) -> None:
    spec = configured(tmp_path)
    assert spec.login_json == AUTH["login_json"]
    token = auth.obtain(spec, pantry, {}, ENV, tmp_path, 10.0, from_env=False)
    headers = auth.headers(spec, token)
    assert headers == {"Authorization": f"Token {token}"}
    assert httpx.get(f"{pantry}/api/user", headers=headers).status_code == 200
    assert httpx.get(f"{pantry}/api/user").status_code == 401


def test_placeholders_deep_in_the_body_are_filled_from_values_then_the_environment(
    pantry: str, tmp_path: Path
) -> None:
    spec = configured(tmp_path)
    body = {"user": {"email": "{name}@example.com", "password": "{PANTRY_PASSWORD}"}}
    filled = auth.filled(body, {"name": "cook"}, "target.auth.login_json", ENV)
    assert filled == {"user": {"email": "cook@example.com", "password": ENV["PANTRY_PASSWORD"]}}
    wrong = {"user": {"email": "{PANTRY_EMAIL}", "password": "not it"}}
    with pytest.raises(StackStartError, match="answered 401"):
        auth.login(Auth(**{**vars(spec), "login_json": wrong}), pantry, {}, 10.0, ENV)


def test_a_failing_auth_command_is_quoted_by_its_exception(tmp_path: Path) -> None:
    script = "def make(): raise LookupError('no account named admin')\nmake()\n"
    spec = Auth(kind="command", command=[sys.executable, "-c", script])
    with pytest.raises(StackStartError) as caught:
        auth.run_command(spec, {}, {}, tmp_path, 20.0)
    assert caught.value.message.endswith("LookupError: no account named admin.")
    assert "Traceback" not in caught.value.message
