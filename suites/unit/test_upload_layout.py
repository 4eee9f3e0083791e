"""A CSV upload is accepted if and only if it matches its documented pattern, so fuzzing that
bends a valid body out of the pattern always meets a 422."""

from __future__ import annotations

import random

import pytest

from ledger.parsing import ParseError, parse_csv
from ledger.upload_schema import CSV_EXAMPLE, csv_layout_matches

HEADER = "reference,date,amount,currency,description\n"
VALID = [
    CSV_EXAMPLE,
    HEADER + ' A ,2024-02-29, -0.5 ,USD,"fee, ""x"""\r\n',
    HEADER + "A\u00a0b,2024-01-01,1,EUR,d\x85e\nB,0001-01-01,2,GBP,\n",
    "\ufeffreference,date,amount,currency\nA,2024-01-01,1,USD\n",
    HEADER + 'A,2024-01-01,1,EUR,"two\nlines"',
]
# Bodies the parser used to take although the pattern refuses them.
OFF_PATTERN = [
    HEADER + 'A,2024-01-01,1,EUR,"x"*\n',  # text after a closing quote
    HEADER + 'A,2024-01-01,1,EUR,"never closed\n',
    HEADER + '"A",2024-01-01,1,EUR,\n',  # a quoted reference
    HEADER + 'A"b,2024-01-01,1,EUR,\n',
    HEADER + "A,2024-01-01,1,EUR,\n\nB,2024-01-01,1,EUR,\n",  # a blank line
    HEADER + "A,2024-01-01,1,EUR,\rB,2024-01-01,1,EUR,\n",  # a lone CR
    "date,reference,amount,currency\n2024-01-01,A,1,EUR\n",  # another column order
    " reference,date,amount,currency\nA,2024-01-01,1,EUR\n",  # a padded header
    "reference,date,amount,currency\nA,2024-01-01,1,EUR,d\n",  # a fifth cell, no header for it
]


def _accepted(body: str) -> bool:
    try:
        parse_csv(body.encode("utf-8"))
    except ParseError:
        return False
    return True


@pytest.mark.parametrize("body", VALID)
def test_bodies_on_the_pattern_are_accepted(body: str) -> None:
    assert csv_layout_matches(body)
    assert _accepted(body)


@pytest.mark.parametrize("body", OFF_PATTERN)
def test_bodies_off_the_pattern_are_rejected(body: str) -> None:
    assert not csv_layout_matches(body)
    assert not _accepted(body)


def test_a_quote_problem_in_the_header_is_a_422_not_a_crash() -> None:
    with pytest.raises(ParseError) as info:
        parse_csv(b'reference,date,amount,currency,description\n0,1000-01-01,0,AAA"')
    assert info.value.errors[0].row in (0, 1)


def test_mutated_bodies_are_accepted_exactly_when_they_match() -> None:
    """Insertions and deletions of the characters CSV cares about, at random places."""
    rng = random.Random(20261202)
    alphabet = ['"', ",", "\r", "\n", " ", "*", "\ufeff", "\u3000", "\x85", "a", "1", "-", "."]
    checked = 0
    for _ in range(3000):
        body = rng.choice(VALID)
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(body))
            if rng.random() < 0.6:
                body = body[:at] + rng.choice(alphabet) + body[at:]
            else:
                body = body[:at] + body[at + 1 :]
        assert _accepted(body) == csv_layout_matches(body), repr(body)
        checked += 1
    assert checked == 3000
