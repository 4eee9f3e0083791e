from __future__ import annotations

import pytest

from ledger.core.security import KEY_PREFIX, hash_key, parse_bearer


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer lk_abc", "lk_abc"),
        ("bearer lk_abc", "lk_abc"),
        ("Bearer  lk_abc ", "lk_abc"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer abc", None),
        ("Basic lk_abc", None),
        ("Bearer lk_a b", None),
        ("Bearer lk_" + "x" * 300, None),
    ],
)
def test_parse_bearer(header: str | None, token: str | None) -> None:
    assert parse_bearer(header) == token


def test_hash_is_stable_and_hides_the_key() -> None:
    key = KEY_PREFIX + "secret-value"
    assert hash_key(key) == hash_key(key)
    assert hash_key(key) != hash_key(key + "x")
    assert "secret" not in hash_key(key)
    assert len(hash_key(key)) == 64
