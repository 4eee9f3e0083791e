"""Pagination edges: page sizes, offsets past the end, bounds, and out-of-range numbers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signoff.stack.interface import StackControls, StackHandle
from suites.conftest import Api

BIG = str(2**63)  # one past PostgreSQL's bigint: must be a 422, never a database error


@pytest.fixture(scope="module")
def five_jobs(stack: StackHandle, controls: StackControls) -> Iterator[Api]:
    tenant = Api(stack.base_url, controls.new_credential("pagination"))
    for n in range(5):
        tenant.create_job(f"page-{n}")
    yield tenant
    tenant.close()


@pytest.mark.parametrize(
    ("limit", "offset", "count"), [(2, 0, 2), (2, 2, 2), (2, 4, 1), (2, 5, 0), (100, 0, 5)]
)
def test_pages_slice_the_list(five_jobs: Api, limit: int, offset: int, count: int) -> None:
    page = five_jobs.ok(
        five_jobs.client.get("/api/v1/jobs", params={"limit": limit, "offset": offset}), 200
    )
    assert (page["total"], page["limit"], page["offset"]) == (5, limit, offset)
    assert len(page["items"]) == count, page


def test_pages_do_not_overlap_and_cover_everything(five_jobs: Api) -> None:
    seen: list[int] = []
    for offset in range(0, 6, 2):
        page = five_jobs.ok(
            five_jobs.client.get("/api/v1/jobs", params={"limit": 2, "offset": offset}), 200
        )
        seen += [item["id"] for item in page["items"]]
    assert (len(seen), len(set(seen))) == (5, 5), seen
    assert seen == sorted(seen), "jobs are listed in a stable (id) order"


def test_default_page(five_jobs: Api) -> None:
    page = five_jobs.ok(five_jobs.client.get("/api/v1/jobs"), 200)
    assert (page["limit"], page["offset"], len(page["items"])) == (20, 0, 5)


PATHS = [
    "/api/v1/jobs",
    "/api/v1/keys",
    "/api/v1/webhooks",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "-1"},
        {"offset": "-1"},
        {"limit": "ten"},
        {"offset": "1.5"},
        {"offset": BIG},
        {"limit": BIG},
    ],
    ids=[
        "limit0",
        "limit101",
        "limit-neg",
        "offset-neg",
        "limit-text",
        "offset-float",
        "offset-2^63",
        "limit-2^63",
    ],
)
def test_out_of_range_paging_is_422(five_jobs: Api, path: str, params: dict[str, str]) -> None:
    response = five_jobs.client.get(path, params=params)
    assert response.status_code == 422, (
        f"GET {path}?{'&'.join(f'{k}={v}' for k, v in params.items())} answered "
        f"{response.status_code}, expected 422: {response.text[:200]}"
    )


def test_huge_offset_on_nested_lists_is_422(api: Api) -> None:
    job = api.create_job("nested paging")
    for path in (f"/api/v1/jobs/{job['id']}/records/left", f"/api/v1/jobs/{job['id']}/runs"):
        response = api.client.get(path, params={"offset": BIG})
        assert response.status_code == 422, f"GET {path}?offset=2^63: {response.status_code}"
