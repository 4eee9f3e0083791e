"""The shelf target (tests/targets/shelf) as a project of its own: a `pyproject.toml` that starts
it on the embedded stack and logs in as its admin, with defects planted through SHELF_BUGS."""

from __future__ import annotations

from pathlib import Path

from signoff.config import dumps
from tests.conftest import ROOT

SHELF = ROOT / "tests" / "targets" / "shelf"
PASSWORD = "shelf-admin-password-7f3c"


def shelf_project(folder: Path, bugs: str = "") -> Path:
    """`folder` made a project whose target is the shelf service with `bugs` planted."""
    settings = {
        "target": {
            "name": "shelf",
            "python_path": [str(SHELF)],
            "ready_path": "/health",
            "public_operations": ["GET /health", "GET /openapi.json"],
            "env": {"SHELF_ADMIN_PASSWORD": PASSWORD, "SHELF_BUGS": bugs},
            "processes": {"web": {"command": ["python", "-m", "shelf", "--port", "{port}"]}},
            "auth": {
                "kind": "login",
                "login_url": "/api/login",
                "login_json": {"username": "admin", "password": "{SHELF_ADMIN_PASSWORD}"},
            },
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(dumps(settings), encoding="utf-8")
    return folder
