"""Lists walked whole: paged lists are found in a document by their parameters, bodies to add
items are made from its schemas, and the lists layer FAILS a list that drops or repeats an item
at any page size, naming the operation and the size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from signoff import config
from signoff.layers import LayerContext
from signoff.layers.lists import judge_walk, page_sizes
from signoff.layers.run import run_layer
from signoff.paging.fill import example
from signoff.paging.find import Listing, listings
from signoff.paging.walk import Walk
from signoff.records import LayerRecord, Status
from tests.catalog import catalog_project


def _param(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": "integer", **schema}}


DOCUMENT: dict[str, Any] = {
    "components": {
        "parameters": {"Limit": _param("limit", minimum=1, maximum=4)},
        "schemas": {
            "Job": {
                "type": "object",
                "required": ["name", "tolerance", "days"],
                "properties": {
                    "name": {"type": "string", "maxLength": 10},
                    "tolerance": {
                        "anyOf": [
                            {"type": "string", "pattern": "^x$"},
                            {"type": "number", "minimum": 0},
                        ]
                    },
                    "days": {"type": "integer", "minimum": 0, "maximum": 30},
                    "note": {"type": "string"},
                },
            }
        },
    },
    "paths": {
        "/jobs": {
            "get": {"parameters": [{"$ref": "#/components/parameters/Limit"}, _param("offset")]},
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Job"}}
                    }
                }
            },
        },
        "/tags": {"get": {"parameters": [_param("page", minimum=0), _param("per_page")]}},
        "/events": {"get": {"parameters": [{"name": "cursor", "in": "query"}, _param("size")]}},
        "/jobs/{id}/runs": {"get": {"parameters": [_param("limit"), _param("skip")]}},
        "/search": {
            "get": {
                "parameters": [_param("limit"), _param("offset"), {**_param("q"), "required": True}]
            }
        },
        "/health": {"get": {}},
    },
}


def test_paged_lists_are_found_by_their_parameters_whatever_the_style() -> None:
    found, skipped = listings(DOCUMENT)
    by_path = {f.path: f for f in found}
    assert set(by_path) == {"/jobs", "/tags", "/events"}
    jobs, tags, events = by_path["/jobs"], by_path["/tags"], by_path["/events"]
    assert (jobs.style, jobs.size, jobs.position, jobs.max_size) == ("offset", "limit", "offset", 4)
    assert (tags.style, tags.position, tags.first_page) == ("page", "page", 0)
    assert (events.style, events.size, events.position) == ("cursor", "size", "cursor")
    assert jobs.create is not None
    assert tags.create is None
    assert skipped == [
        "GET /jobs/{id}/runs: needs path parameters",
        "GET /search: needs the query parameters q",
    ]


def test_a_body_is_made_from_the_post_schema_within_its_bounds() -> None:
    [jobs] = [f for f in listings(DOCUMENT)[0] if f.path == "/jobs"]
    assert jobs.create is not None
    first, second = (example(DOCUMENT, jobs.create, i) for i in (3, 4))
    assert first == {"name": "s3", "tolerance": 0, "days": 0}
    assert second["name"] != first["name"]


def test_page_sizes_give_every_walk_two_pages_within_the_bounds() -> None:
    jobs = Listing("/jobs", "offset", "limit", "offset", max_size=4)
    assert page_sizes(jobs, 12) == [3, 4]
    assert page_sizes(Listing("/x", "offset", "limit", "offset"), 12) == [3, 5, 10]
    assert page_sizes(Listing("/x", "offset", "limit", "offset"), 3) == [1, 2]
    assert page_sizes(Listing("/x", "offset", "limit", "offset"), 1) == [3]


def test_a_dropped_or_repeated_item_or_a_wrong_total_fails_naming_list_and_size() -> None:
    jobs = Listing("/jobs", "offset", "limit", "offset")
    every = {str(i) for i in range(1, 8)}
    whole = Walk(3, [str(i) for i in range(1, 8)], [7, 7, 7], 4)
    assert judge_walk(jobs, whole, every).status is Status.PASS
    dropped = judge_walk(jobs, Walk(3, ["1", "2", "4", "5", "7"], [7], 4), every)
    assert dropped.status is Status.FAIL
    assert dropped.message == (
        "GET /jobs at page size 3: dropped 2 of 7 items (ids 3, 6); "
        "the service reports a total of 7, the walk found 5."
    )
    twice = judge_walk(jobs, Walk(3, ["1", "2", "3", "3", "4", "5", "6", "7"], [], 4), every)
    assert twice.message == "GET /jobs at page size 3: repeated 1 items (ids 3)."
    counted = judge_walk(jobs, Walk(3, whole.ids, [8], 4), every)
    assert "reports a total of 8, the walk found 7" in counted.message
    one_page = judge_walk(jobs, Walk(10, whole.ids, [7], 2), every)
    assert one_page.status is Status.INCONCLUSIVE


# ------------------------------------------------------------------ on a real service


def _lists(folder: Path, bugs: str) -> LayerRecord:
    root = catalog_project(folder, bugs)
    return run_layer(LayerContext(root / "run", config.load(root), "pr", name="lists"))


@pytest.mark.stack
def test_a_list_that_drops_an_item_per_page_fails_at_each_size(tmp_path: Path) -> None:
    record = _lists(tmp_path / "buggy", "paging")
    assert record.status is Status.FAIL
    failed = {c.name: c.message for c in record.checks if c.status is Status.FAIL}
    assert set(failed) == {f"GET /api/items at page size {n}: every item once" for n in (3, 5, 10)}
    assert (
        "GET /api/items at page size 3: dropped 5 of 13 items (ids 3, 6, 9, 12, 13)"
        in (failed["GET /api/items at page size 3: every item once"])
    )


@pytest.mark.stack
def test_lists_that_page_correctly_pass_with_items_added_where_allowed(tmp_path: Path) -> None:
    record = _lists(tmp_path / "tidy", "")
    assert record.status is Status.PASS, record.reasons
    walked = [c.name for c in record.checks if c.name.endswith("every item once")]
    assert walked == [
        *(f"GET /api/items at page size {n}: every item once" for n in (3, 5, 10)),
        *(f"GET /api/events at page size {n}: every item once" for n in (3, 5)),
    ]
    assert record.figures["lists"] == {
        "GET /api/items": "3 items found, 9 added",
        "GET /api/events": "7 items found, 0 added "
        "(the list has no documented POST to add items with)",
    }
    assert record.evaluated == {"lists": 2}
