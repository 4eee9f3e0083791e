"""The passes of a fuzz run with `[fuzz] separate_identities`, and its refusal on a stack that
cannot make the fresh credentials it needs."""

from __future__ import annotations

from typing import Any

import pytest

from signoff.errors import ConfigError
from signoff.fuzz.command import passes
from signoff.fuzz.replay import fresh_headers
from signoff.stack.interface import StackHandle
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
