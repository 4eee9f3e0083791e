"""Sign-in for the pages: the API key is checked once and then kept in an HttpOnly cookie.

The cookie is `SameSite=Strict` and every state-changing page request must come from this
origin (its `Origin` header, when the browser sends one, names this service), so another site
can neither read the key nor make a signed-in browser submit a form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from ledger.api.deps import DbDep
from ledger.core.security import Principal, authenticate, parse_bearer
from ledger.web.render import PageRoute, SignInRequired, page

__all__ = ["COOKIE", "WebTenant", "router", "same_origin"]

COOKIE = "ledger_key"
COOKIE_MAX_AGE_S = 8 * 3600


def same_origin(request: Request) -> None:
    """Refuse a form post that another site sent (defence in depth beside SameSite)."""
    if request.method in ("GET", "HEAD"):
        return
    # Browsers send Sec-Fetch-Site on every request; Origin is "null" on our own posts because
    # the service sets `Referrer-Policy: no-referrer`, so it can only prove a foreign origin.
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    foreign_site = site is not None and site not in ("same-origin", "none")
    foreign_origin = origin is not None and origin not in ("null", own)
    if foreign_site or foreign_origin:
        raise HTTPException(403, "This form was sent from another site and was refused.")


def web_tenant(request: Request, db: DbDep) -> Principal:
    token = parse_bearer(f"Bearer {request.cookies.get(COOKIE, '')}")
    if token is None:
        raise SignInRequired
    with db.connection() as conn:
        principal = authenticate(conn, token)
    if principal is None:
        raise SignInRequired
    return principal


WebTenant = Annotated[Principal, Depends(web_tenant)]

router = APIRouter(
    route_class=PageRoute, include_in_schema=False, dependencies=[Depends(same_origin)]
)


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/jobs" if request.cookies.get(COOKIE) else "/signin", 303)


@router.get("/signin")
def signin_form(request: Request) -> Response:
    return page(request, "signin.html", signed_in=False, error=None)


@router.post("/signin")
def signin(request: Request, db: DbDep, key: Annotated[str, Form()] = "") -> Response:
    token = parse_bearer(f"Bearer {key.strip()}")
    principal = None
    if token is not None:
        with db.connection() as conn:
            principal = authenticate(conn, token)
    if principal is None:
        error = "That API key is unknown or revoked."
        return page(request, "signin.html", 401, signed_in=False, error=error)
    response = RedirectResponse("/jobs", status_code=303)
    response.set_cookie(
        COOKIE,
        token or "",
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
def signout() -> Response:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
