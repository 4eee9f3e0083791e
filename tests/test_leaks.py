"""Issued secrets never leak: each secret is found in its usual encodings and redacted, and a
layer whose stack logged its credential FAILS naming the file and line, with the copy redacted."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.leaks import Secret, Secrets
from signoff.leaks.guard import CHECK, Guard
from signoff.leaks.scan import needles, redact_file, scan_file
from signoff.records import Check, Evidence, LayerRecord, Status
from signoff.stack.interface import StackHandle
from tests.catalog import PASSWORD, catalog_project

KEY = "sk_live_4f9a2c7e1b"


API = Secret("api", KEY)


def _found(text: str, tmp_path: Path, secret: Secret = API) -> list[int]:
    path = tmp_path / "service.log"
    path.write_text(text, encoding="utf-8")
    return [f.line for f in scan_file(path, "service.log", needles(secret))]


@pytest.mark.parametrize(
    "line",
    [
        f"key={KEY}",
        f"GET /x?key={quote('a b' + KEY + '/+', safe='')}",
        "Authorization: Basic " + base64.b64encode(f"user:{KEY}".encode()).decode(),
        "token " + base64.urlsafe_b64encode(f"xy{KEY}".encode()).decode(),
        f"created key {KEY[:8]}... for tenant 3",
        f"created key {KEY[:8]}… for tenant 3",
    ],
)
def test_each_usual_form_of_a_secret_is_found_on_its_line(line: str, tmp_path: Path) -> None:
    secret = Secret("api", "a b" + KEY + "/+") if "%20" in line else Secret("api", KEY)
    assert _found(f"starting\n{line}\nstopped\n", tmp_path, secret) == [2]


def test_unrelated_text_and_other_secrets_are_not_found(tmp_path: Path) -> None:
    other = base64.b64encode(b"sk_live_4f").decode()
    assert _found(f"key=sk_live_4f9a0000\n{other}\n", tmp_path) == []


def test_short_values_and_urls_without_a_password_are_not_secrets() -> None:
    secrets = Secrets()
    secrets.add("pin", "1234567")
    secrets.add_env({"APP_DSN": "postgresql://postgres@127.0.0.1:5432/db", "APP_PORT": "80000000"})
    assert len(secrets) == 0
    secrets.add_env({"APP_DSN": "postgresql://app:s3cr%2Ft-pass@db/app", "API_KEY": KEY})
    assert {(s.name, s.value) for s in secrets.items()} == {
        ("env.APP_DSN", "s3cr/t-pass"),
        ("env.APP_DSN", "postgresql://app:s3cr%2Ft-pass@db/app"),
        ("env.API_KEY", KEY),
    }
    assert KEY not in repr(secrets)


def test_redaction_names_the_secret_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "responses.json"
    basic = base64.b64encode(f"u:{KEY}".encode()).decode()
    path.write_text(f'{{"key": "{KEY}", "auth": "Basic {basic}"}}\n', encoding="utf-8")
    assert redact_file(path, needles(Secret("api", KEY)))
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    assert basic[4:] not in text
    assert text.startswith('{"key": "[redacted:api]", "auth": "Basic ')


def test_the_guard_reads_the_originals_then_redacts_them_and_the_record_text(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "run" / "smoke"
    (folder / "stack-logs").mkdir(parents=True)
    (folder / "stack-logs" / "web.log").write_text(f"up\nlogin with {KEY}\n", encoding="utf-8")
    (folder / "shot.png").write_bytes(b"\x89PNG\0\0" + KEY.encode())
    with Guard(tmp_path / "run", folder) as guard:
        guard.watch(StackHandle("local", "http://127.0.0.1:1", token=KEY))
    quoted = Check("answers", Status.FAIL, KEY, message=f"the answer held {KEY}")
    found = guard.checked(Evidence([quoted], figures={"seen": [KEY]}, summary=f"{KEY} seen"))
    assert isinstance(found, Evidence)
    assert found.checks[0] == replace(
        quoted, figure="[redacted:credential]", message="the answer held [redacted:credential]"
    )
    assert (found.figures, found.summary) == (
        {"seen": ["[redacted:credential]"]},
        "[redacted:credential] seen",
    )
    check = found.checks[-1]
    assert (check.name, check.status, check.figure) == (CHECK, Status.FAIL, 1)
    assert "smoke/stack-logs/web.log:2 (credential sk_l…, as is)" in check.message
    assert KEY not in check.message
    assert guard.binary == ["smoke/shot.png"]
    log = (folder / "stack-logs" / "web.log").read_text(encoding="utf-8")
    assert log == "up\nlogin with [redacted:credential]\n"


MADE = "whsec_0a1b2c3d4e5f6a7b"  # a webhook's signing secret, made by the service


def test_secrets_the_service_answered_are_redacted_and_never_counted_as_leaks(
    tmp_path: Path,
) -> None:
    handle = StackHandle("local", "http://127.0.0.1:1", token=KEY)
    handle.secrets.add("credential.signoff", KEY)  # as a provider registers what it issued
    handle.secrets.add_made({"items": [{"id": 4, "signing_secret": MADE, "name": "hook1234"}]})
    handle.secrets.add_made({"api_key": KEY, "token": "short"})  # issued, or too short
    assert [(s.name, s.value) for s in handle.secrets.made()] == [("made.signing_secret", MADE)]
    folder = tmp_path / "run" / "authz"
    folder.mkdir(parents=True)
    (folder / "exchanges.json").write_text(f'{{"body": "{MADE}", "name": "hook1234"}}\n')
    (folder / "stack-logs.txt").write_text(f"signed with {MADE}\n", encoding="utf-8")
    with Guard(tmp_path / "run", folder) as guard:
        guard.watch(handle)
    check = guard.check()
    assert check is not None
    assert (check.status, check.figure) == (Status.PASS, 0)
    answered = (folder / "exchanges.json").read_text(encoding="utf-8")
    assert answered == '{"body": "[redacted:made.signing_secret]", "name": "hook1234"}\n'
    assert MADE not in (folder / "stack-logs.txt").read_text(encoding="utf-8")


# ------------------------------------------------------------------ on a real service


def _smoke(folder: Path, bugs: str) -> tuple[Path, LayerRecord]:
    root = catalog_project(folder, bugs)
    run = root / "run"
    return run, run_layer(LayerContext(run, config.load(root), "pr", name="smoke"))


@pytest.mark.stack
def test_a_logged_credential_fails_the_layer_naming_file_line_and_masked_secret(
    tmp_path: Path,
) -> None:
    run, record = _smoke(tmp_path / "leaky", "leak")
    assert record.status is Status.FAIL
    [check] = [c for c in record.checks if c.name == CHECK]
    assert check.status is Status.FAIL
    found = re.search(
        r"smoke/stack-logs/web\.log:(\d+) \(credential\.signoff [\w-]{4}…, as is\)", check.message
    )
    assert found, check.message
    lines = (run / "smoke" / "stack-logs" / "web.log").read_text(encoding="utf-8").splitlines()
    leaked = lines[int(found.group(1)) - 1]
    assert leaked.endswith("signed in with token [redacted:credential.signoff]")


@pytest.mark.stack
def test_a_service_that_logs_no_secret_passes_and_its_logs_stay_as_they_were(
    tmp_path: Path,
) -> None:
    run, record = _smoke(tmp_path / "tidy", "")
    assert record.status is Status.PASS
    [check] = [c for c in record.checks if c.name == CHECK]
    assert (check.status, check.figure) == (Status.PASS, 0)
    assert check.message.startswith("2 secrets looked for in ")
    log = (run / "smoke" / "stack-logs" / "web.log").read_text(encoding="utf-8")
    assert "user admin signed in\n" in log
    assert "redacted" not in log
    assert PASSWORD not in log


@pytest.mark.stack
def test_a_suite_whose_own_stack_logged_its_credential_fails_the_same_way(tmp_path: Path) -> None:
    root = catalog_project(tmp_path / "suite", "leak")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as config_file:
        config_file.write('\n[tool.signoff.layers.suite]\nkind = "pytest"\npaths = ["suite"]\n')
    (root / "suite").mkdir()
    (root / "suite" / "test_items.py").write_text(
        "def test_items(api_client):\n    assert api_client.get('/api/items').status_code == 200\n",
        encoding="utf-8",
    )
    record = run_layer(LayerContext(root / "run", config.load(root), "pr", name="suite"))
    assert record.status is Status.FAIL
    assert record.figures["passed"] == 1
    [check] = [c for c in record.checks if c.name == CHECK]
    assert "suite/stack-logs/web.log:1 (credential.signoff " in check.message
    log = (root / "run" / "suite" / "stack-logs" / "web.log").read_text(encoding="utf-8")
    assert "signed in with token [redacted:credential.signoff]" in log


def test_a_url_is_not_looked_for_by_its_scheme(tmp_path: Path) -> None:
    dsn = Secret("env.APP_DSN", "postgresql://app:s3cr3t-pass@db/app")
    assert _found("waiting for postgres...\n", tmp_path, dsn) == []
    assert _found(f"connecting to {dsn.value}\n", tmp_path, dsn) == [1]
