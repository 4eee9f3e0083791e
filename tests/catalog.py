"""The catalog target (tests/targets/catalog) as a project of its own: a `pyproject.toml`
that starts it on the embedded stack and logs in as its admin, with defects planted through
CATALOG_BUGS."""

from __future__ import annotations

from pathlib import Path

from signoff.config import dumps
from tests.conftest import ROOT

CATALOG = ROOT / "tests" / "targets" / "catalog"
PASSWORD = "catalog-admin-password-7f3c"


def catalog_project(folder: Path, bugs: str = "") -> Path:
    """`folder` made a project whose target is the catalog service with `bugs` planted."""
    settings = {
        "target": {
            "name": "catalog",
            "python_path": [str(CATALOG)],
            "ready_path": "/health",
            "public_operations": ["GET /health", "GET /openapi.json"],
            "env": {"CATALOG_ADMIN_PASSWORD": PASSWORD, "CATALOG_BUGS": bugs},
            "processes": {"web": {"command": ["python", "-m", "catalog", "--port", "{port}"]}},
            "auth": {
                "kind": "login",
                "login_url": "/api/login",
                "login_json": {"username": "admin", "password": "{CATALOG_ADMIN_PASSWORD}"},
            },
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(dumps(settings), encoding="utf-8")
    return folder
