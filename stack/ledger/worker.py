"""The background worker: claims queued runs under a lease, matches, completes them once.

Completion writes matches, unmatched records, the run summary, the status and the webhook outbox
rows in one transaction, and only while this worker still holds the run: a worker that lost its
lease (it stalled, another one reclaimed the run) cannot complete it a second time.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from types import FrameType
from typing import Any

import httpx

from ledger.core.cache import RedisBackend, TaggedCache
from ledger.core.config import Settings
from ledger.core.db import (
    DB_UNAVAILABLE_ERRORS,
    Conn,
    ThreadConnections,
    execute,
    fetchall,
    fetchone,
)
from ledger.core.metrics import (
    DB_QUERY_DURATION,
    RUN_DURATION,
    RUNS,
    mark_process_dead,
    update_process_memory,
)
from ledger.matching import Entry, MatchResult, reconcile
from ledger.outbox import deliver_one, enqueue_run_completed
from ledger.summaries import run_tags

__all__ = ["MAX_RUN_ATTEMPTS", "Worker"]

log = logging.getLogger("ledger.worker")

MAX_RUN_ATTEMPTS = 3  # a run that killed three workers is failed rather than retried forever
HEARTBEAT_S = 1.0

_CLAIM = (
    "UPDATE runs SET status = 'running', worker_id = %(w)s, attempts = attempts + 1,"
    " started_at = now(), lease_expires_at = now() + make_interval(secs => %(lease)s)"
    " WHERE id = (SELECT id FROM runs"
    "   WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < now())"
    "   ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING id, job_id, tenant_id, left_upload_id, right_upload_id, attempts"
)


class Worker:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.db = ThreadConnections(settings.database_url)
        self.cache = TaggedCache(
            RedisBackend(settings.redis_url),
            ttl_s=settings.cache_ttl_s,
            invalidation_enabled=not settings.has_fault("no_cache_invalidation"),
        )
        self.stop = threading.Event()
        self._current_run: int | None = None

    # ---------------------------------------------------------------- lifecycle
    def install_signal_handlers(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d: finishing the current item, then exiting", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run_forever(self) -> None:
        beat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        beat.start()
        try:
            with httpx.Client(timeout=5.0, follow_redirects=False, trust_env=False) as client:
                while not self.stop.is_set():
                    try:
                        busy = self.process_one()
                        busy = deliver_one(self.db, client, self.settings) or busy
                    except DB_UNAVAILABLE_ERRORS as exc:
                        log.warning("database unavailable (%s); retrying", type(exc).__name__)
                        busy = False
                        self.stop.wait(1.0)
                    if not busy:
                        self.stop.wait(self.settings.worker_poll_s)
        finally:
            self.stop.set()
            beat.join(timeout=3.0)
            self._forget_heartbeat()
            self.db.close()
            mark_process_dead()

    def _heartbeat_loop(self) -> None:
        while not self.stop.is_set():
            try:
                with self.db.connection(timeout=2.0) as conn:
                    execute(
                        conn,
                        "INSERT INTO worker_heartbeats (worker_id, pid, beat_at)"
                        " VALUES (%s, %s, now()) ON CONFLICT (worker_id)"
                        " DO UPDATE SET beat_at = now()",
                        (self.worker_id, os.getpid()),
                    )
                    if self._current_run is not None:
                        execute(
                            conn,
                            "UPDATE runs SET lease_expires_at = now()"
                            " + make_interval(secs => %s)"
                            " WHERE id = %s AND worker_id = %s AND status = 'running'",
                            (self.settings.run_lease_s, self._current_run, self.worker_id),
                        )
            except DB_UNAVAILABLE_ERRORS:
                pass  # readiness reports the stale heartbeat; nothing else to do here
            update_process_memory()
            if not self.cache.available:
                self.cache.probe()  # flushes entries that missed invalidations while Redis was down
            self.stop.wait(HEARTBEAT_S)
        self.db.close()  # this thread's connection

    def _forget_heartbeat(self) -> None:
        try:
            with self.db.connection(timeout=1.0) as conn:
                execute(
                    conn, "DELETE FROM worker_heartbeats WHERE worker_id = %s", (self.worker_id,)
                )
        except DB_UNAVAILABLE_ERRORS:
            pass

    # ---------------------------------------------------------------- runs
    def process_one(self) -> bool:
        """Claim and finish one run; False when none was waiting."""
        with self.db.connection() as conn:
            claimed = fetchone(
                conn, _CLAIM, {"w": self.worker_id, "lease": self.settings.run_lease_s}
            )
        if claimed is None:
            return False
        run = dict(claimed)
        started = time.perf_counter()
        self._current_run = run["id"]
        try:
            if run["attempts"] > MAX_RUN_ATTEMPTS:
                self._fail(run, f"abandoned after {MAX_RUN_ATTEMPTS} attempts")
                return True
            try:
                result, left, right = self._match(run)
            except DB_UNAVAILABLE_ERRORS:
                raise
            except Exception as exc:
                log.exception("run %s failed", run["id"])
                self._fail(run, f"{type(exc).__name__} while matching")
                return True
            if self._complete(run, result, left, right):
                RUNS.labels("completed").inc()
                RUN_DURATION.observe(time.perf_counter() - started)
                if not self.settings.has_fault("stale_after_worker"):
                    self.cache.invalidate(run_tags(run["tenant_id"], run["job_id"]))
        finally:
            self._current_run = None
        return True

    def _records(self, conn: Conn, upload_id: int) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in fetchall(
                conn,
                "SELECT id, reference, date, amount, currency FROM records"
                " WHERE upload_id = %s ORDER BY position",
                (upload_id,),
            )
        ]

    def _match(
        self, run: dict[str, Any]
    ) -> tuple[MatchResult, list[dict[str, Any]], list[dict[str, Any]]]:
        with self.db.connection() as conn:
            job_row = fetchone(
                conn,
                "SELECT amount_tolerance, date_window_days FROM jobs WHERE id = %s",
                (run["job_id"],),
            )
            if job_row is None:
                raise LookupError(f"job {run['job_id']} vanished")
            left = self._records(conn, run["left_upload_id"])
            right = self._records(conn, run["right_upload_id"])

        def entries(rows: list[dict[str, Any]]) -> list[Entry]:
            return [
                Entry(r["id"], r["reference"], r["date"], r["amount"], r["currency"]) for r in rows
            ]

        result = reconcile(
            entries(left),
            entries(right),
            job_row["amount_tolerance"],
            int(job_row["date_window_days"]),
        )
        return result, left, right

    def _still_mine(self, conn: Conn, run_id: int) -> bool:
        row = fetchone(
            conn, "SELECT status, worker_id FROM runs WHERE id = %s FOR UPDATE", (run_id,)
        )
        return row is not None and row["status"] == "running" and row["worker_id"] == self.worker_id

    def _complete(
        self,
        run: dict[str, Any],
        result: MatchResult,
        left: list[dict[str, Any]],
        right: list[dict[str, Any]],
    ) -> bool:
        run_id = run["id"]
        with self.db.connection() as conn:
            if not self._still_mine(conn, run_id):
                log.warning("run %s was reclaimed by another worker; dropping my result", run_id)
                return False
            with DB_QUERY_DURATION.time(), conn.cursor() as cur:
                with cur.copy(
                    "COPY matches (run_id, position, left_record_id, left_reference,"
                    " right_record_id, right_reference, kind) FROM STDIN"
                ) as copy:
                    for position, m in enumerate(result.matches, start=1):
                        lrec, rrec = left[m.left], right[m.right]
                        copy.write_row(
                            (
                                run_id,
                                position,
                                lrec["id"],
                                lrec["reference"],
                                rrec["id"],
                                rrec["reference"],
                                m.kind,
                            )
                        )
                with cur.copy(
                    "COPY unmatched (run_id, side, position, record_id) FROM STDIN"
                ) as copy:
                    for side, indexes, rows in (
                        ("left", result.unmatched_left, left),
                        ("right", result.unmatched_right, right),
                    ):
                        for position, i in enumerate(indexes, start=1):
                            copy.write_row((run_id, side, position, rows[i]["id"]))
            counts = {
                "matched": len(result.matches),
                "unmatched_left": len(result.unmatched_left),
                "unmatched_right": len(result.unmatched_right),
            }
            done = fetchone(
                conn,
                "UPDATE runs SET status = 'completed', finished_at = clock_timestamp(),"
                " duration_ms = EXTRACT(EPOCH FROM clock_timestamp() - started_at) * 1000,"
                " matched = %(matched)s, unmatched_left = %(unmatched_left)s,"
                " unmatched_right = %(unmatched_right)s, lease_expires_at = NULL"
                " WHERE id = %(id)s RETURNING finished_at, duration_ms",
                {**counts, "id": run_id},
            )
            if done is None:
                raise RuntimeError(f"run {run_id} disappeared while completing")
            execute(
                conn,
                "INSERT INTO run_summaries (run_id, tenant_id, job_id, completed_at, matched,"
                " unmatched_left, unmatched_right, duration_ms) VALUES (%(id)s, %(tenant)s,"
                " %(job)s, %(at)s, %(matched)s, %(unmatched_left)s, %(unmatched_right)s, %(ms)s)",
                {
                    **counts,
                    "id": run_id,
                    "tenant": run["tenant_id"],
                    "job": run["job_id"],
                    "at": done["finished_at"],
                    "ms": done["duration_ms"],
                },
            )
            enqueue_run_completed(
                conn,
                run["tenant_id"],
                {
                    "run_id": run_id,
                    "job_id": run["job_id"],
                    "status": "completed",
                    "match_rate": result.match_rate,
                    "duration_ms": done["duration_ms"],
                    "finished_at": done["finished_at"].isoformat(),
                    **counts,
                },
            )
        return True

    def _fail(self, run: dict[str, Any], error: str) -> None:
        with self.db.connection() as conn:
            if not self._still_mine(conn, run["id"]):
                return
            execute(
                conn,
                "UPDATE runs SET status = 'failed', finished_at = now(), error = %s,"
                " lease_expires_at = NULL WHERE id = %s",
                (error, run["id"]),
            )
        RUNS.labels("failed").inc()
