"""Validation errors: a clear 4xx that names the row and field, and nothing half-stored."""

from __future__ import annotations

from typing import Any

import pytest

from suites.conftest import RECORDS, Api

GOOD = {"name": "v", "amount_tolerance": "0.05", "date_window_days": 3}


def field_errors(body: Any) -> list[tuple[Any, ...]]:
    """(location..., ) of FastAPI errors or (row, field) of record errors."""
    return [tuple(e.get("loc", [e.get("row"), e.get("field")])) for e in body["detail"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"amount_tolerance": "-1"}, "amount_tolerance"),
        ({"amount_tolerance": "abc"}, "amount_tolerance"),
        ({"date_window_days": 3651}, "date_window_days"),
        ({"date_window_days": "soon"}, "date_window_days"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_job_fields_are_422_naming_the_field(
    api: Api, change: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = api.client.post("/api/v1/jobs", json=body)
    assert response.status_code == 422, (
        f"POST /api/v1/jobs with a bad {field!r} answered {response.status_code}, expected 422: "
        f"{response.text[:200]}"
    )
    assert any(field in loc for loc in field_errors(response.json())), response.text


def test_body_that_is_not_json_is_a_4xx(api: Api) -> None:
    response = api.client.post(
        "/api/v1/jobs", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.status_code


def test_malformed_csv_names_row_3_amount_and_stores_nothing(api: Api) -> None:
    job = api.create_job("malformed")
    response = api.client.put(
        f"/api/v1/jobs/{job['id']}/records/left",
        content=(RECORDS / "malformed.csv").read_bytes(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert (3, "amount") in [(e["row"], e["field"]) for e in response.json()["detail"]]
    assert len(response.json()["detail"]) == 1, response.text
    stored = api.ok(api.client.get(f"/api/v1/jobs/{job['id']}"), 200)
    assert stored["left_count"] == 0, "a rejected upload must store nothing"


def test_json_records_name_row_and_field(api: Api) -> None:
    job = api.create_job("json rows")
    rows = [
        {"reference": "A", "date": "2024-01-01", "amount": "1.00", "currency": "EUR"},
        {"reference": "B", "date": "2024-02-30", "amount": "1.00", "currency": "euro"},
    ]
    response = api.client.put(f"/api/v1/jobs/{job['id']}/records/right", json=rows)
    assert response.status_code == 422, response.text
    found = {(e["row"], e["field"]) for e in response.json()["detail"]}
    assert found == {(2, "date"), (2, "currency")}, found


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"ref,date,amount\nA,2024-01-01,1\n", (0, "header")),
        (b"", (0, "file")),
        (b"reference,date,amount,currency\n", (0, "file")),
        (b"reference,date,amount,currency\nA,2024-01-01,1.00,EUR,extra\n", (1, "row")),
        (b"\xff\xfe\x00bad", (0, "file")),
    ],
    ids=["bad-header", "empty", "no-rows", "extra-cell", "not-utf8"],
)
def test_bad_csv_files(api: Api, content: bytes, where: tuple[int, str]) -> None:
    job = api.create_job("bad csv")
    response = api.client.put(
        f"/api/v1/jobs/{job['id']}/records/left",
        content=content,
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert where in [(e["row"], e["field"]) for e in response.json()["detail"]], response.text


def test_unsupported_media_type_is_415(api: Api) -> None:
    job = api.create_job("media")
    response = api.client.put(
        f"/api/v1/jobs/{job['id']}/records/left",
        content=b"<rows/>",
        headers={"Content-Type": "application/xml"},
    )
    assert response.status_code == 415, response.text


def test_run_without_records_is_409_naming_the_sides(api: Api) -> None:
    job = api.create_job("no records")
    response = api.client.post(f"/api/v1/jobs/{job['id']}/runs")
    assert response.status_code == 409
    assert "left and right" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/jobs/0"),
        ("GET", "/api/v1/jobs/abc"),
        ("GET", "/api/v1/jobs/1/records/middle"),
        ("GET", "/api/v1/runs/1/unmatched"),
        ("GET", "/api/v1/runs/1/unmatched?side=up"),
        ("GET", "/api/v1/reports/summary?from=2024-02-01&to=2024-01-01"),
        ("GET", "/api/v1/reports/summary?from=yesterday"),
        ("GET", "/api/v1/reports/summary?to=0"),
    ],
)
def test_bad_parameters_are_422(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path)
    assert response.status_code == 422, f"{method} {path}: {response.status_code} {response.text}"


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.org/x", "events": ["run.completed"]},
        {"url": "http://127.0.0.1:9/x", "events": []},
        {"url": "http://127.0.0.1:9/x", "events": ["job.deleted"]},
    ],
    ids=["scheme", "no-events", "unknown-event"],
)
def test_bad_webhooks_are_422(api: Api, body: dict[str, Any]) -> None:
    response = api.client.post("/api/v1/webhooks", json=body)
    assert response.status_code == 422, response.text
