"""The pages' security on the live stack: cookie flags, foreign posts, escaping, own assets only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from signoff.stack.interface import StackHandle

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def browser_like(stack: StackHandle) -> Iterator[httpx.Client]:
    """A client signed in through the sign-in form, as a browser would be."""
    with httpx.Client(base_url=stack.base_url, timeout=10.0) as client:
        answer = client.post("/signin", data={"key": stack.token})
        assert answer.status_code == 303, answer.text[:200]
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=strict" in cookie
        yield client


def test_pages_need_a_sign_in(stack: StackHandle) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=10.0) as anon:
        for path in ("/jobs", "/webhooks", "/jobs/1", "/jobs/1/report", "/runs/1"):
            answer = anon.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"] == "/signin", path
        wrong = anon.post("/signin", data={"key": "lk_not-a-key"})
        assert wrong.status_code == 401
        assert "set-cookie" not in wrong.headers


def test_a_post_from_another_site_is_refused(browser_like: httpx.Client) -> None:
    form = {"name": "cross-site", "amount_tolerance": "0", "date_window_days": "0"}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}):
        answer = browser_like.post("/jobs", data=form, headers=headers)
        assert answer.status_code == 403, headers
    listing = browser_like.get("/jobs")
    assert "cross-site" not in listing.text


def test_names_are_escaped(browser_like: httpx.Client) -> None:
    name = "<script>alert(1)</script>"
    form = {"name": name, "amount_tolerance": "0", "date_window_days": "0"}
    created = browser_like.post("/jobs", data=form)
    assert created.status_code == 303
    page = browser_like.get(created.headers["location"])
    assert name not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_pages_load_only_their_own_assets_under_the_csp(browser_like: httpx.Client) -> None:
    page = browser_like.get("/jobs")
    assert page.headers["content-security-policy"] == "default-src 'self'"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets, "the page references no assets"
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "<script>" not in page.text  # no inline script: the CSP would block it
    assert " style=" not in page.text
    for asset in ("/static/web.js", "/static/web.css"):
        assert browser_like.get(asset).status_code == 200, asset
    assert browser_like.get("/static/..%2Fauth.py").status_code == 404


def test_pages_stay_out_of_the_api_document(stack: StackHandle) -> None:
    paths = httpx.get(f"{stack.base_url}/openapi.json", timeout=10.0).json()["paths"]
    assert "/jobs" not in paths
    assert all(p.startswith(("/api/", "/health/", "/metrics")) for p in paths), sorted(paths)
