"""The passes of a fuzz run with `[fuzz] separate_identities`, its refusal on a stack that
cannot make the fresh credentials it needs, and replay evidence that survives a failed replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from signoff import config
from signoff.errors import ConfigError, StackStartError
from signoff.fuzz.command import passes
from signoff.fuzz.replay import fresh_headers, replay_run, write_plan
from signoff.fuzz.results import write_failures
from signoff.stack.interface import StackHandle
from signoff.stack.procs import free_port
from signoff.stack.url import UrlControls

DOCUMENT: dict[str, Any] = {
    "paths": {
        "/items": {"get": {}, "post": {}},
        "/logout": {"post": {}},
        "/users/{user_id}": {"patch": {}},
    }
}
LAST = ["POST /logout", "PATCH /users/{user_id}"]


def test_each_revoking_operation_gets_a_pass_of_its_own() -> None:
    main = ("main", ["--exclude-name=POST /logout", "--exclude-name=PATCH /users/{user_id}"])
    assert passes(DOCUMENT, LAST, separate=True) == [
        main,
        ("last-1", ["--include-name=POST /logout"]),
        ("last-2", ["--include-name=PATCH /users/{user_id}"]),
    ]
    assert passes(DOCUMENT, LAST) == [
        main,
        ("last", ["--include-name=POST /logout", "--include-name=PATCH /users/{user_id}"]),
    ]


def test_separate_identities_on_a_stack_without_credentials_is_one_sentence_and_a_tip() -> None:
    handle = StackHandle(
        provider="url",
        base_url="http://127.0.0.1:9",
        token="t",
        headers={"Authorization": "Bearer t"},
        controls=UrlControls(),
    )
    assert fresh_headers(handle, "signoff-fuzz-last") == handle.headers  # as before: shared
    with pytest.raises(ConfigError) as caught:
        fresh_headers(handle, "signoff-fuzz-last-1", required=True)
    assert caught.value.message == (
        "[fuzz] separate_identities needs a fresh credential per pass, and the url stack "
        "cannot make one."
    )
    assert "--stack local" in str(caught.value.hint)


def _stored_failure(folder: Path, case_id: str, operation: str) -> None:
    """A crash file as Schemathesis stores a failing test case."""
    crashes = folder / ".schemathesis" / "default" / "cache" / "crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    body = {"case_id": case_id, "operation": operation, "sequence": [{"checks": [{"name": "x"}]}]}
    (crashes / f"{case_id}.json").write_text(json.dumps(body), encoding="utf-8")


def test_a_replay_whose_stack_does_not_start_still_writes_every_verdict(tmp_path: Path) -> None:
    folder = tmp_path / "fuzz"
    folder.mkdir()
    write_plan(folder, {"last_operations": ["POST /logout"], "stack": "url"})
    _stored_failure(folder, "AAA111", "GET /items")
    _stored_failure(folder, "BBB222", "POST /logout")
    unreachable = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StackStartError):
        replay_run(config.load(tmp_path), folder, "url", unreachable)
    found = json.loads((folder / "replay.json").read_text(encoding="utf-8"))["findings"]
    assert {f["case_id"]: f["verdict"] for f in found} == {"AAA111": "ERROR", "BBB222": "ERROR"}
    assert all("did not answer" in f["reason"] for f in found), found
    failures = [
        {"operation": "GET /items", "kind": "failure", "message": "500", "case_ids": ["AAA111"]}
    ]
    write_failures(folder, failures, {"AAA111": "ERROR"}, "The failures could not be replayed.")
    markdown = (folder / "failures.md").read_text(encoding="utf-8")
    assert "The failures could not be replayed." in markdown
    assert "- replay of test case AAA111: ERROR (" in markdown
