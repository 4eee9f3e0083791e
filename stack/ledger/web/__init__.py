"""Server-rendered pages of the service, for people and for signoff's browser journeys.

Sign-in keeps the API key in an HttpOnly, SameSite=Strict cookie; the pages call the same
route functions as the JSON API and load only the service's own CSS and JS files.
"""

from __future__ import annotations

from fastapi import APIRouter

from ledger.web import admin, auth, jobs, report

__all__ = ["router"]

router = APIRouter()
for _module in (auth, jobs, report, admin):
    router.include_router(_module.router)
