"""The pantry target (tests/targets/pantry) served for a test module on a PostgreSQL server of
its own, and its OpenAPI document."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from signoff.children import end_group, spawn
from signoff.stack.procs import free_port, port_open
from tests import throwaway_pg
from tests.conftest import ROOT

PANTRY = ROOT / "tests" / "targets" / "pantry"
EMAIL = "cook@example.com"
PASSWORD = "sugar and salt"
# How a user logs in to pantry: a nested JSON body, the token inside the answer's user.
AUTH: dict[str, Any] = {
    "kind": "login",
    "login_url": "/api/users/login",
    "login_json": {"user": {"email": "{PANTRY_EMAIL}", "password": "{PANTRY_PASSWORD}"}},
    "token_path": "user.token",
    "header": "Authorization",
    "format": "Token {token}",
}
ENV = {"PANTRY_EMAIL": EMAIL, "PANTRY_PASSWORD": PASSWORD}


def document() -> dict[str, Any]:
    """pantry's OpenAPI document, as the running service serves it."""
    sys.path.insert(0, str(PANTRY))
    try:
        found: dict[str, Any] = importlib.import_module("pantry.app").create_app().openapi()
        return found
    finally:
        sys.path.remove(str(PANTRY))


def database() -> AbstractContextManager[str]:
    """A throwaway PostgreSQL server; its URL, of the `postgres` database."""
    return throwaway_pg.server("signoff-pantry-pg-")


def serve(log: Path) -> Iterator[str]:
    """pantry on a free port, on a database of its own, until the generator is closed; yields
    its base URL."""
    with database() as url:
        yield from _serve(log, url)


def _serve(log: Path, url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PANTRY), "PANTRY_PASSWORD": PASSWORD}
    env["DATABASE_URL"] = url
    with log.open("wb") as out:
        proc = spawn(
            [sys.executable, "-m", "pantry", str(port)],
            env=env,
            stdout=out,
            dies_with_signoff=False,
        )
        try:
            deadline = time.monotonic() + 20
            while not port_open(port) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert port_open(port), log.read_text(encoding="utf-8")
            yield f"http://127.0.0.1:{port}"
        finally:
            end_group(proc, signal.SIGTERM, 5.0)
