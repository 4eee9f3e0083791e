"""The cache hit ratio under a read-heavy mix, from the service's own hit and miss counters.

A tenant with a few reconciled jobs gets a burst of summary reads with an operator's writes
mixed in (one in ten: uploads, rule patches, runs the worker completes). The ratio is the change
of `ledger_cache_hits_total` over the change of hits plus misses, judged against the claim; the
figures go to the layer's evidence as `cache-hit-ratio.json`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import httpx
import pytest

from suites.conftest import RECORDS, Api, layer_folder, scrape, total

CLAIMED_RATIO = 0.8  # claims.toml, "cache-hit-ratio"
REQUESTS = 300
WRITE_SHARE = 0.1
JOBS = 4
SEED = 20240611


def test_the_hit_ratio_under_a_read_heavy_mix_meets_the_claim(
    new_tenant: Callable[[str], Api], anon: httpx.Client, request: pytest.FixtureRequest
) -> None:
    tenant = new_tenant("cache ratio")
    jobs = [int(tenant.fixture_job(f"ratio {n}")["id"]) for n in range(JOBS)]
    for job in jobs:
        tenant.wait_run(tenant.start_run(job))
    left = (RECORDS / "left.csv").read_text(encoding="utf-8")
    pick = random.Random(SEED)
    started: list[int] = []

    def write(job: int) -> None:
        kind = pick.choice(["upload", "patch", "run"])
        if kind == "upload":
            tenant.upload(job, "left", left)
        elif kind == "patch":
            body = {"name": f"ratio {job} renamed {pick.randrange(10**6)}"}
            tenant.ok(tenant.client.patch(f"/api/v1/jobs/{job}", json=body), 200)
        else:
            started.append(tenant.start_run(job))

    before = scrape(anon)
    reads = writes = hit_headers = 0
    for _ in range(REQUESTS):
        job = pick.choice(jobs)
        if pick.random() < WRITE_SHARE:
            write(job)
            writes += 1
            continue
        path = "/api/v1/reports/summary" if pick.random() < 0.5 else f"/api/v1/jobs/{job}/summary"
        response = tenant.client.get(path)
        assert response.status_code == 200, f"GET {path} answered {response.status_code}"
        reads += 1
        hit_headers += response.headers.get("x-cache") == "hit"
    after = scrape(anon)
    for run in started:
        tenant.wait_run(run)

    hits = total(after, "ledger_cache_hits_total") - total(before, "ledger_cache_hits_total")
    misses = total(after, "ledger_cache_misses_total") - total(before, "ledger_cache_misses_total")
    ratio = hits / (hits + misses) if hits + misses else 0.0
    figures = {
        "ratio": round(ratio, 4),
        "claimed_at_least": CLAIMED_RATIO,
        "hits": hits,
        "misses": misses,
        "reads": reads,
        "writes": writes,
        "hit_headers": hit_headers,
    }
    evidence = layer_folder(request) / "cache-hit-ratio.json"
    evidence.parent.mkdir(parents=True, exist_ok=True)
    evidence.write_text(json.dumps(figures, indent=2), encoding="utf-8")

    # Only this burst may move the counters, or the ratio is not the mix's.
    assert hits + misses == reads, (
        f"the cache counters moved by {hits + misses:g} lookups for {reads} cached reads sent: "
        "the figure would not be this mix's"
    )
    assert hits == hit_headers, f"{hits:g} hits counted, {hit_headers} reads said X-Cache: hit"
    assert ratio >= CLAIMED_RATIO, (
        f"the cache hit ratio under a read-heavy mix ({reads} reads, {writes} writes) was "
        f"{ratio:.3f} ({hits:g} hits, {misses:g} misses), claimed at least {CLAIMED_RATIO}"
    )
