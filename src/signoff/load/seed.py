"""Seed data for a load run: jobs with a completed run, so report readers hit real summaries."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from signoff.errors import StackError


def seed_jobs(
    base_url: str, api_key: str, count: int, fixtures: Path, timeout: float = 30.0
) -> list[int]:
    """Create `count` jobs from the fixture records, run each, and wait until all completed."""
    if count <= 0:
        return []
    headers = {"Authorization": f"Bearer {api_key}"}
    left = (fixtures / "left.csv").read_bytes()
    right = (fixtures / "right.csv").read_bytes()
    jobs: list[int] = []
    runs: list[int] = []
    try:
        with httpx.Client(base_url=base_url, headers=headers, timeout=10.0) as client:
            for index in range(count):
                body = {
                    "name": f"load seed {index}",
                    "amount_tolerance": "0.05",
                    "date_window_days": 3,
                }
                job = client.post("/api/v1/jobs", json=body).raise_for_status().json()["id"]
                for side, data in (("left", left), ("right", right)):
                    client.put(
                        f"/api/v1/jobs/{job}/records/{side}",
                        content=data,
                        headers={"Content-Type": "text/csv"},
                    ).raise_for_status()
                runs.append(client.post(f"/api/v1/jobs/{job}/runs").raise_for_status().json()["id"])
                jobs.append(int(job))
            deadline = time.monotonic() + timeout
            pending = set(runs)
            while pending and time.monotonic() < deadline:
                for run in sorted(pending):
                    status = client.get(f"/api/v1/runs/{run}").raise_for_status().json()["status"]
                    if status in ("completed", "failed"):
                        pending.discard(run)
                time.sleep(0.2)
    except httpx.HTTPError as exc:
        raise StackError(
            f"Seeding {base_url} for the load run failed: {exc}.",
            hint="check that the service is up and the API key belongs to a tenant.",
        ) from exc
    if pending:
        raise StackError(
            f"{len(pending)} seed runs did not complete within {timeout:g} s.",
            hint="check that the service's worker is running (stack-logs/worker.log).",
        )
    return jobs
