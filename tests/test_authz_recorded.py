"""Routes only a page or a suite calls: what a layer's HTTP clients and browser contexts sent
is recorded (`signoff.recording`) with where the credential rode, and the authz layer tries
each such route as another identity, sending the credential the same way (a page's cookie)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from signoff import config
from signoff.browser import find
from signoff.layers import LayerContext
from signoff.layers.run import run_layer
from signoff.recording import Recorded, RequestLog, carrier_of, read
from signoff.records import LayerRecord, Status
from tests.shelf import SHELF, failed, project_in

TOKEN = "tok-0123456789abcdef"
PAGE = "<html><script>fetch('/things/42/status')</script></html>"


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # a signed-in page that polls a status route
        self.send_response(200)
        self.send_header("Set-Cookie", f"sid={TOKEN}; Path=/")
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_carrier_is_the_header_or_cookie_that_holds_a_known_credential() -> None:
    assert carrier_of({"Authorization": f"Bearer {TOKEN}"}, [TOKEN]) == "header:authorization"
    assert carrier_of({"cookie": f"theme=dark; sid={TOKEN}"}, [TOKEN]) == "cookie:sid"
    assert carrier_of({"cookie": "sid=someone-else"}, [TOKEN]) == ""
    assert carrier_of({"Authorization": "Bearer x"}, ["", TOKEN]) == ""


def test_a_suites_http_clients_are_recorded_on_the_stacks_origin_only(
    site: str, tmp_path: Path
) -> None:
    log = RequestLog(site, lambda: [TOKEN])
    with log.install():
        with httpx.Client(base_url=site, cookies={"sid": TOKEN}) as client:
            client.get("/things/7/status")
        with httpx.Client() as client:
            client.get(f"{site}/open", headers={"X-Key": TOKEN})
            other = site.replace("127.0.0.1", "localhost")
            client.get(f"{other}/elsewhere")  # another origin: not the stack's
    path = tmp_path / "requests.json"
    log.save(path)
    assert read(path) == [
        Recorded("GET", f"{site}/things/7/status", "cookie:sid"),
        Recorded("GET", f"{site}/open", "header:x-key"),
    ]
    with httpx.Client() as client:  # nothing is recorded once the block ended
        client.get(f"{site}/after")
    assert len(log.rows) == 2


def test_a_browsers_requests_are_recorded_with_the_cookie_that_signed_them(site: str) -> None:
    log = RequestLog(site, lambda: [TOKEN])
    with log.install(), sync_playwright() as play:
        found = find(play.chromium.executable_path)  # a clear error, never a skip
        browser = play.chromium.launch(**found.launch_args())
        try:
            page = browser.new_page()
            with page.expect_request("**/things/42/status"):
                page.goto(site + "/")
            page.reload()
            page.wait_for_load_state("networkidle")
        finally:
            browser.close()
    polled = [row for row in log.rows if row.url.endswith("/things/42/status")]
    assert polled
    assert polled[-1].carrier == "cookie:sid"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = project_in(tmp_path_factory, "shelf-pages")
    shutil.copytree(SHELF / "pages", folder / "pages")
    extra = '\n[layers.pages]\nkind = "pytest"\npaths = ["pages"]\n'
    with (folder / "signoff.toml").open("a", encoding="utf-8") as settings:
        settings.write(extra)
    return folder


def _pages_then_authz(project: Path, bugs: str) -> tuple[LayerRecord, Path]:
    cfg = config.load(project)
    env = {"SHELF_BUGS": bugs} if bugs else {}
    run_dir = project / "reports" / f"pages-{bugs or 'none'}"
    for layer in ("pages", "authz"):
        record = run_layer(LayerContext(run_dir, cfg, "pr", name=layer, service_env=env))
        if layer == "pages":
            assert record.status is Status.PASS, record.reasons
    return record, run_dir


@pytest.mark.stack
def test_a_route_only_a_suite_called_is_tried_by_the_other_identity_with_its_cookie(
    project: Path,
) -> None:
    record, run_dir = _pages_then_authz(project, "")
    assert record.status is Status.PASS, record.reasons
    assert "GET /items/{seen1}/card" in record.figures["judged"]
    assert record.figures["credential carried by"] == {
        "GET /items/{seen1}/card": "cookie:shelf_session"
    }
    assert "pages" in record.figures["recorded by"]
    assert any(
        r.carrier == "cookie:shelf_session" for r in read(run_dir / "pages" / "requests.json")
    )


@pytest.mark.stack
def test_a_page_route_without_the_owner_filter_fails_the_authz_layer(project: Path) -> None:
    record, _ = _pages_then_authz(project, "pagebola")
    assert record.status is Status.FAIL, record.reasons
    assert failed(record) == ["GET /items/{seen1}/card: refuses identity 'other'"]
    (reason,) = record.reasons
    assert "succeeded (200) for identity 'other'" in reason
