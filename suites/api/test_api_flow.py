"""The full flow on the fixture whose answer is known: job, upload, run, matches, summary."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest

from suites.conftest import RECORDS, Api

EXPECTED = json.loads((RECORDS / "expected.json").read_text(encoding="utf-8"))


def rows(side: str) -> list[dict[str, str]]:
    with (RECORDS / f"{side}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def all_pages(api: Api, path: str, **params: Any) -> list[Any]:
    items: list[Any] = []
    offset = 0
    while True:
        page = api.ok(api.client.get(path, params={**params, "limit": 7, "offset": offset}), 200)
        items += page["items"]
        offset += 7
        if offset >= page["total"]:
            assert len(items) == page["total"], f"{path}: pages hold {len(items)} of {page}"
            return items


@pytest.fixture(scope="module")
def finished(api: Api) -> dict[str, Any]:
    job = api.fixture_job()
    accepted = api.client.post(f"/api/v1/jobs/{job['id']}/runs")
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] in ("queued", "running", "completed")
    run = api.wait_run(accepted.json()["id"])
    return {"job": job, "run": run}


def test_upload_counts(api: Api, finished: dict[str, Any]) -> None:
    job = api.ok(api.client.get(f"/api/v1/jobs/{finished['job']['id']}"), 200)
    assert (job["left_count"], job["right_count"]) == (len(rows("left")), len(rows("right")))
    stored = all_pages(api, f"/api/v1/jobs/{job['id']}/records/left")
    assert [r["reference"] for r in stored] == [r["reference"] for r in rows("left")]
    assert [r["row"] for r in stored] == list(range(1, len(stored) + 1))


def test_run_has_the_known_answer(finished: dict[str, Any]) -> None:
    run = finished["run"]
    assert run["status"] == "completed", run
    got = {k: run[k] for k in EXPECTED}
    assert got == EXPECTED, f"run {run['id']}: {got}, expected {EXPECTED}"
    assert run["started_at"]
    assert run["finished_at"]
    assert run["duration_ms"] is not None


def test_matches_and_unmatched_agree_with_the_counts(api: Api, finished: dict[str, Any]) -> None:
    run_id = finished["run"]["id"]
    matches = all_pages(api, f"/api/v1/runs/{run_id}/matches")
    assert len(matches) == EXPECTED["matched"]
    assert {m["kind"] for m in matches} <= {"reference", "tolerance"}
    pairs = {(m["left"]["reference"], m["right"]["reference"]) for m in matches}
    assert ("INV-1001", "INV-1001") in pairs
    assert ("BANK-07A", "PAY-07B") in pairs
    assert ("BANK-07B", "PAY-07A") in pairs
    for side in ("left", "right"):
        leftovers = all_pages(api, f"/api/v1/runs/{run_id}/unmatched", side=side)
        assert len(leftovers) == EXPECTED[f"unmatched_{side}"], side
    left_refs = {
        r["reference"] for r in all_pages(api, f"/api/v1/runs/{run_id}/unmatched", side="left")
    }
    assert {"BANK-03", "BANK-05", "BANK-06", "BANK-11B"} <= left_refs


def test_job_and_tenant_summaries(api: Api, finished: dict[str, Any]) -> None:
    job_id, run_id = finished["job"]["id"], finished["run"]["id"]
    summary = api.ok(api.client.get(f"/api/v1/jobs/{job_id}/summary"), 200)
    assert summary["run_id"] == run_id
    assert {k: summary[k] for k in EXPECTED} == EXPECTED
    tenant = api.ok(api.client.get("/api/v1/reports/summary"), 200)
    assert tenant["runs"] >= 1
    assert tenant["matched"] >= EXPECTED["matched"]
    runs = api.ok(api.client.get(f"/api/v1/jobs/{job_id}/runs"), 200)
    assert run_id in [r["id"] for r in runs["items"]]


def test_json_upload_gives_the_same_answer(api: Api) -> None:
    rules = json.loads((RECORDS / "job.json").read_text(encoding="utf-8"))
    job = api.create_job("json flow", rules["amount_tolerance"], rules["date_window_days"])
    for side in ("left", "right"):
        stored = api.upload(job["id"], side, rows(side))
        assert stored == {"side": side, "count": len(rows(side))}
    run = api.wait_run(api.start_run(job["id"]))
    assert {k: run[k] for k in EXPECTED} == EXPECTED


def test_patch_changes_the_rules(api: Api) -> None:
    job = api.create_job("patch me")
    patched = api.ok(
        api.client.patch(f"/api/v1/jobs/{job['id']}", json={"date_window_days": 9}), 200
    )
    assert patched["date_window_days"] == 9
    assert patched["name"] == "patch me"
    assert patched["updated_at"] >= job["updated_at"]


def test_adapters_list_the_input_formats(api: Api) -> None:
    adapters = api.ok(api.client.get("/api/v1/adapters"), 200)
    media = {a["media_type"] for a in adapters}
    assert {"text/csv", "application/json"} <= media
    assert all(set(a["required_fields"]) <= set(a["fields"]) for a in adapters)
