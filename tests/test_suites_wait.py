"""The suites' wait helper: a timeout names what it waited for and what it last observed."""

from __future__ import annotations

import pytest
from suites.conftest import wait_for


def test_a_timeout_shows_the_last_observed_value_not_false() -> None:
    seen = iter([{"status": "queued"}, {"status": "running"}] + [{"status": "running"}] * 100)
    with pytest.raises(pytest.fail.Exception) as failed:
        wait_for(
            lambda: next(seen), 0.3, "run 7 to finish", 0.05, until=lambda r: r["status"] == "done"
        )
    message = str(failed.value)
    assert "waiting for run 7 to finish" in message
    assert "last seen: {'status': 'running'}" in message


def test_the_observed_value_is_returned_once_it_qualifies() -> None:
    values = iter([1, 2, 3])
    assert wait_for(lambda: next(values), 5, "three", 0.01, until=lambda v: v >= 3) == 3


def test_a_truthy_check_still_works_without_until() -> None:
    assert wait_for(lambda: ["delivery"], 1, "a delivery") == ["delivery"]
