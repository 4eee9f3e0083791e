"""The journeys a person takes through the service's pages, in a real Chromium.

Controls are found by role and accessible name only, so a control that loses its label fails
the journey that needs it. Degraded mode stops Redis, so it runs last.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page, expect
from suites.conftest import RECORDS, Api, WebhookReceiver, wait_for

from signoff.stack.interface import StackHandle

RULES = json.loads((RECORDS / "job.json").read_text(encoding="utf-8"))
EXPECTED = json.loads((RECORDS / "expected.json").read_text(encoding="utf-8"))
RUN_TIMEOUT_MS = 20_000


def unique(name: str) -> str:
    return f"{name} {secrets.token_hex(3)}"


def sign_in(page: Page, key: str) -> None:
    page.goto("/signin")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Jobs", level=1)).to_be_visible()


def figure(page: Page, table: str, label: str) -> Locator:
    """The value cell beside a row header, e.g. figure(page, "Summary", "Matched")."""
    rows = page.get_by_role("table", name=table).get_by_role("row")
    row = rows.filter(has=page.get_by_role("rowheader", name=label, exact=True))
    return row.get_by_role("cell")


def upload(page: Page, side: str, name: str) -> None:
    page.get_by_label(f"{side.capitalize()} records file").set_input_files(RECORDS / name)
    page.get_by_role("button", name=f"Upload {side} records").click()


def run_to_completion(page: Page) -> None:
    page.get_by_role("button", name="Start run").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    # No reload from here on: the page's script must move the status by itself.
    expect(page.get_by_role("status")).to_have_text("completed", timeout=RUN_TIMEOUT_MS)


def expect_fixture_report(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Report of "))
    expect(figure(page, "Summary", "Matched")).to_have_text(str(EXPECTED["matched"]))
    expect(figure(page, "Summary", "Unmatched left")).to_have_text(str(EXPECTED["unmatched_left"]))
    expect(figure(page, "Summary", "Unmatched right")).to_have_text(
        str(EXPECTED["unmatched_right"])
    )
    expect(figure(page, "Summary", "Match rate")).to_have_text(
        f"{EXPECTED['match_rate'] * 100:.2f}%"
    )


def test_first_reconciliation(page: Page, stack: StackHandle) -> None:
    sign_in(page, stack.token)
    name = unique("first reconciliation")
    page.get_by_label("Job name").fill(name)
    page.get_by_label("Amount tolerance").fill(RULES["amount_tolerance"])
    page.get_by_label("Date window (days)").fill(str(RULES["date_window_days"]))
    page.get_by_role("button", name="Create job").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()

    for side in ("left", "right"):
        upload(page, side, f"{side}.csv")
        expect(page.get_by_role("status")).to_have_text(f"The {side} records were stored.")
    rows = EXPECTED["matched"] + EXPECTED["unmatched_left"]
    expect(figure(page, "Record files", "Left")).to_have_text(str(rows))
    expect(figure(page, "Record files", "Right")).to_have_text(str(rows))

    run_to_completion(page)
    page.get_by_role("link", name="View the report").click()
    expect_fixture_report(page)

    matches = page.get_by_role("table", name=re.compile(r"^Matches"))
    expect(matches.get_by_role("row")).to_have_count(1 + 10)  # header and a page of ten
    page.get_by_role("link", name="Next page of matches").click()
    expect(page.get_by_role("navigation", name="Pages of matches")).to_contain_text("Page 2 of 4")
    left = page.get_by_role("table", name=re.compile(r"^Unmatched left records"))
    expect(left.get_by_role("row")).to_have_count(1 + EXPECTED["unmatched_left"])


def test_bad_upload_names_the_row_and_stores_nothing(
    page: Page, stack: StackHandle, api: Api
) -> None:
    job = api.create_job(unique("bad upload"), RULES["amount_tolerance"], RULES["date_window_days"])
    sign_in(page, stack.token)
    page.goto(f"/jobs/{job['id']}")
    upload(page, "left", "malformed.csv")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The left records were not stored.")
    expect(alert).to_contain_text(re.compile(r"Row 3, amount: .*12\.5O"))
    expect(figure(page, "Record files", "Left")).to_have_text("0")

    stored = api.ok(api.client.get(f"/api/v1/jobs/{job['id']}"), 200)
    assert stored["left_count"] == 0, stored
    listed = api.ok(api.client.get(f"/api/v1/jobs/{job['id']}/records/left"), 200)
    assert listed["total"] == 0, listed


def test_tenant_isolation(
    page: Page, open_context: Callable[[], BrowserContext], stack: StackHandle, api: Api
) -> None:
    name = unique("first tenant's job")
    job = api.fixture_job(name)
    sign_in(page, stack.token)
    expect(page.get_by_role("link", name=name)).to_be_visible()

    other = open_context().new_page()
    sign_in(other, stack.controls.new_credential(unique("second tenant")))
    expect(other.get_by_text("No jobs yet.")).to_be_visible()
    expect(other.get_by_role("link", name=name)).to_have_count(0)
    for path in (f"/jobs/{job['id']}", f"/jobs/{job['id']}/report"):
        response = other.goto(path)
        assert response is not None, path
        assert response.status == 404, path
        expect(other.get_by_role("heading", name="Not found", level=1)).to_be_visible()
        expect(other.get_by_role("alert")).to_have_text("Job not found.")


def test_webhooks(page: Page, stack: StackHandle, api: Api) -> None:
    receiver = WebhookReceiver(host=stack.callback_host)
    receiver.start()
    try:
        sign_in(page, stack.token)
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_label("Webhook URL").fill(receiver.url)
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_role("status")).to_contain_text(f"Webhook added for {receiver.url}")
        hooks = page.get_by_role("table", name="Webhooks")
        expect(hooks.get_by_role("rowheader", name=receiver.url, exact=True)).to_be_visible()

        job = api.fixture_job(unique("webhook job"))
        page.goto(f"/jobs/{job['id']}")
        run_to_completion(page)
        delivered = wait_for(receiver.accepted, 15, "a run.completed delivery to the receiver")
        body = delivered[0].json()
        assert delivered[0].headers.get("x-ledger-event") == "run.completed", delivered[0].headers
        assert body["job_id"] == job["id"], body

        page.goto("/webhooks")
        page.get_by_role("button", name=f"Delete webhook {receiver.url}").click()
        expect(page.get_by_role("rowheader", name=receiver.url, exact=True)).to_have_count(0)
        listed = api.ok(api.client.get("/api/v1/webhooks"), 200)["items"]
        assert receiver.url not in [hook["url"] for hook in listed], listed
    finally:
        receiver.stop()


def test_degraded_mode(page: Page, stack: StackHandle, api: Api) -> None:
    job = api.fixture_job(unique("degraded job"))
    api.wait_run(api.start_run(job["id"]))
    sign_in(page, stack.token)
    stack.controls.stop("redis")
    try:
        page.goto("/status")
        expect(page.get_by_role("status")).to_have_text("degraded")
        expect(figure(page, "Components", "redis")).to_have_text("down")
        expect(figure(page, "Components", "postgres")).to_have_text("ok")
        page.goto(f"/jobs/{job['id']}/report")
        expect_fixture_report(page)
    finally:
        stack.controls.start("redis")

    def healthy() -> bool:
        return bool(api.client.get("/health/ready").json()["status"] == "healthy")

    wait_for(healthy, 15, "the service to report healthy again after Redis came back")
