"""The cache contract: every path that changes a cached summary shows in the next read.

The cached reads are the tenant summary and a job's summary. What changes their answers: the
worker completing a run, deleting a job, revoking the key that reads, and, for a change made
behind the service's back (straight in PostgreSQL), the expiry of the entry. Uploads and job
patches change neither summary. Each case reads twice (the second read must be a cache hit),
changes through one path, and judges the next read with `signoff.cache_contract`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from signoff.cache_contract import Answer, CacheContract
from signoff.stack.interface import StackHandle
from suites.conftest import Api

TENANT_SUMMARY = "/api/v1/reports/summary"
READS = ["tenant summary", "job summary"]
HIT = ("X-Cache", "hit")


@dataclass
class Ledger:
    """One fresh tenant with a job whose run completed, and the contract on its client."""

    tenant: Api
    job: int
    run: int
    contract: CacheContract

    def path(self, read: str) -> str:
        return TENANT_SUMMARY if read == "tenant summary" else f"/api/v1/jobs/{self.job}/summary"

    def now(self, read: str) -> dict[str, Any]:
        body: dict[str, Any] = self.tenant.ok(self.tenant.client.get(self.path(read)), 200)
        return body

    def complete_run(self) -> int:
        run = self.tenant.wait_run(self.tenant.start_run(self.job))
        assert run["status"] == "completed", run
        return int(run["id"])


@pytest.fixture
def ledger(new_tenant: Callable[[str], Api], cache_ttl_s: float) -> Ledger:
    tenant = new_tenant("cache contract")
    job = int(tenant.fixture_job("cached")["id"])
    run = int(tenant.wait_run(tenant.start_run(job))["id"])
    return Ledger(tenant, job, run, CacheContract(tenant.client, hit_header=HIT, ttl_s=cache_ttl_s))


class RunIs:
    """The job summary names the run the change completed (known only after the change)."""

    def __init__(self) -> None:
        self.run: int | None = None

    def __call__(self, response: httpx.Response) -> bool:
        return response.status_code == 200 and response.json().get("run_id") == self.run

    def __str__(self) -> str:
        return f"200 with run_id={self.run}"


@pytest.mark.parametrize("read", READS)
def test_a_run_the_worker_completes_shows_in_the_next_read(ledger: Ledger, read: str) -> None:
    runs_before = ledger.now("tenant summary")["runs"]
    tenant_wants = Answer(fields={"runs": runs_before + 1})
    expect: Answer | RunIs = tenant_wants if read == "tenant summary" else RunIs()

    def complete() -> str:
        run = ledger.complete_run()
        if isinstance(expect, RunIs):
            expect.run = run
        return f"the worker completed run {run}"

    ledger.contract.assert_fresh(ledger.path(read), complete, expect)


@pytest.mark.parametrize("read", READS)
def test_deleting_a_job_shows_in_the_next_read(ledger: Ledger, read: str) -> None:
    # A second job with a run, so the tenant summary still has something to say afterwards.
    other = int(ledger.tenant.fixture_job("kept")["id"])
    ledger.tenant.wait_run(ledger.tenant.start_run(other))
    expect = Answer(fields={"jobs": 1, "runs": 1}) if read == "tenant summary" else Answer(404)

    def delete() -> str:
        response = ledger.tenant.client.delete(f"/api/v1/jobs/{ledger.job}")
        assert response.status_code == 204, response.text
        return f"DELETE /api/v1/jobs/{ledger.job}"

    ledger.contract.assert_fresh(ledger.path(read), delete, expect)


@pytest.fixture
def second_key(ledger: Ledger) -> Iterator[tuple[int, httpx.Client]]:
    """Another key of the same tenant, and a client that reads with it."""
    made = ledger.tenant.ok(ledger.tenant.client.post("/api/v1/keys"), 201)
    headers = {"Authorization": f"Bearer {made['key']}"}
    with httpx.Client(base_url=ledger.tenant.base_url, headers=headers, timeout=10.0) as client:
        yield int(made["id"]), client


@pytest.mark.parametrize("read", READS)
def test_revoking_the_reading_key_shows_in_the_next_read(
    ledger: Ledger, second_key: tuple[int, httpx.Client], read: str
) -> None:
    key_id, reader = second_key

    def revoke() -> str:
        response = ledger.tenant.client.delete(f"/api/v1/keys/{key_id}")
        assert response.status_code == 204, response.text
        return f"DELETE /api/v1/keys/{key_id} revoked the key that reads"

    ledger.contract.assert_fresh(ledger.path(read), revoke, Answer(401), client=reader)


@pytest.mark.parametrize("read", READS)
def test_a_change_behind_the_services_back_shows_once_the_ttl_elapsed(
    ledger: Ledger, stack: StackHandle, read: str
) -> None:
    dsn = stack.database_url
    assert dsn, f"the {stack.provider} stack exposes no PostgreSQL DSN for an out-of-band write"
    matched = ledger.now(read)["matched"]

    def correct_in_postgres() -> str:
        # What an operator's data fix does: the service is not told, only the TTL helps.
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "UPDATE run_summaries SET matched = matched + 1 WHERE run_id = %s", (ledger.run,)
            )
        return f"run {ledger.run}'s summary was corrected in PostgreSQL"

    expect = Answer(fields={"matched": matched + 1})
    ledger.contract.after_expiry(ledger.path(read), correct_in_postgres, expect)
