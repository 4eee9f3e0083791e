"""The pure parts of the queries layer: what counts as growth with the data, the work between
two snapshots of the statement counters, and how many items an answer lists."""

from __future__ import annotations

from typing import Any

import pytest

from signoff.openapi import Operation
from signoff.probes.exchanges import Exchanges
from signoff.probes.statements import Counter, admin_dsn, work
from signoff.probes.volume import Read, Volume, items
from signoff.probes.workload import grew


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (2, 12, True),  # one query per item: an N+1
        (0, 2, True),  # a cached read whose misses grow still grew by the floor
        (1, 2, False),  # doubled, but by one query: below the floor
        (10, 14, False),  # by the floor, but less than 1.5 times
        (3, 3, False),
        (4, 3, False),
    ],
)
def test_growth_needs_both_the_factor_and_the_floor(
    low: float, high: float, expected: bool
) -> None:
    assert grew(low, high, 1.5, 2) is expected


def test_work_counts_what_ran_between_snapshots_without_the_background() -> None:
    before = {1: Counter(5, 1.0, "SELECT a"), 2: Counter(7, 2.0, "SELECT  b\n FROM t")}
    after = {
        1: Counter(6, 1.5, "SELECT a"),
        2: Counter(10, 2.75, "SELECT  b\n FROM t"),
        3: Counter(4, 0.25, "SELECT c"),  # new since the first snapshot
        4: Counter(9, 9.0, "UPDATE poll"),  # a worker's polling
    }
    before[4] = Counter(1, 1.0, "UPDATE poll")
    found = work(before, after, frozenset({4}))
    assert found.calls == 1 + 3 + 4
    assert found.time_ms == 0.5 + 0.75 + 0.25
    assert found.statements == {"SELECT a": 1, "SELECT b FROM t": 3, "SELECT c": 4}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ([1, 2, 3], 3),
        ({"items": [1, 2], "total": 2}, 2),
        ({"id": 1, "title": "x"}, None),
        ("text", None),
    ],
)
def test_an_answer_lists_an_array_or_an_objects_first_array(answer: Any, expected: int) -> None:
    assert items(answer) == expected


def test_counters_are_read_from_the_servers_own_database() -> None:
    dsn, name = admin_dsn("postgresql://postgres@127.0.0.1:5999/signoff")
    assert (dsn, name) == ("postgresql://postgres@127.0.0.1:5999/postgres", "signoff")


def test_a_listed_object_fills_the_reads_no_created_one_names() -> None:
    runs = Operation("get", "/jobs/{job_id}/runs", False, {"job_id": {}})
    one = Operation("get", "/runs/{run_id}", False, {"run_id": {}})
    exchanges = Exchanges({}, 1.0)
    volume = Volume({"paths": {}}, "http://svc/", exchanges, "me", "m")
    volume.created.learn("/jobs", {"id": 7})
    assert (
        volume.read(one, (), 1) == "GET /runs/{run_id}: no created or listed object names {run_id}"
    )
    volume.learn(runs, {"items": [{"id": 31, "status": "done"}], "total": 1})
    assert volume.read(one, (), 1) == Read("GET /runs/{run_id}", "http://svc/runs/31")
    volume.learn(Operation("get", "/jobs", False, {}), [{"id": 99}])  # a created id is kept
    assert volume.read(runs, (), 1) == Read("GET /jobs/{job_id}/runs", "http://svc/jobs/7/runs")
    exchanges.close()


def test_the_data_is_made_by_the_posts_that_document_a_201() -> None:
    document: dict[str, Any] = {
        "paths": {
            "/notes": {"post": {"responses": {"201": {}}}},
            "/login": {"post": {"responses": {"200": {}}}},
            "/notes/{id}/tags": {"post": {"responses": {"201": {}}}},
        }
    }
    every = [
        Operation("post", "/notes", True, {}),
        Operation("post", "/login", True, {}),
        Operation("post", "/notes/{id}/tags", True, {"id": {}}),
    ]
    exchanges = Exchanges({}, 1.0)
    volume = Volume(document, "http://svc", exchanges, "me", "m")
    assert [op.path for op in volume.creators(every, ())] == ["/notes"]
    assert [op.path for op in volume.creators(every, ["POST /notes*"])] == [
        "/notes",
        "/notes/{id}/tags",
    ]
    del document["paths"]["/notes"]["post"]["responses"]["201"]
    assert [op.path for op in volume.creators(every, ())] == ["/notes", "/login"]
    # a POST to a list's own path creates what it lists, whatever status it documents
    listed = [*every, Operation("get", "/notes", False, {})]
    assert [op.path for op in volume.creators(listed, ())] == ["/notes"]
    exchanges.close()
