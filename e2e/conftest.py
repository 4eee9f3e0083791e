"""Fixtures of the browser journeys: the browser, traced contexts, evidence kept on failure.

Every browser context is traced from its start; when a journey fails, its folder in the run
directory (`<layer>/failures/<journey>/attempt-N/`) receives each context's trace
(`playwright show-trace trace-1.zip`), a screenshot of each open page and the console log.
The browser is Playwright's Chromium where installed, else the system's (signoff.browser).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, expect
from playwright.sync_api import Error as PlaywrightError
from suites.conftest import Api, layer_folder

from signoff import browser as browser_mod
from signoff import config as config_mod
from signoff.stack.interface import StackHandle

_CALL_FAILED = pytest.StashKey[bool]()
_SUITE_START = time.perf_counter()


def e2e_settings(config: pytest.Config) -> config_mod.E2eSettings:
    return config_mod.load(Path(str(config.rootpath))).e2e


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright, pytestconfig: pytest.Config
) -> dict[str, Any]:
    """pytest-playwright's launch arguments plus the browser that is really installed."""
    try:
        settings = e2e_settings(pytestconfig)
        found = browser_mod.from_settings(settings, playwright.chromium.executable_path)
    except browser_mod.BrowserNotFound as exc:
        pytest.fail(f"{exc.message}\nTip: {exc.hint}", pytrace=False)
    return {**browser_type_launch_args, **found.launch_args()}


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], stack: StackHandle
) -> dict[str, Any]:
    return {**browser_context_args, "base_url": stack.base_url}


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout(pytestconfig: pytest.Config) -> None:
    # A broken page must fail its journey in seconds, not after Playwright's 30 s default.
    expect.set_options(timeout=e2e_settings(pytestconfig).timeout_ms)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and report.when in ("setup", "call"):
        item.stash[_CALL_FAILED] = True
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120] or "journey"


class Evidence:
    """The contexts a journey opened, each with its console log, kept if the journey fails."""

    def __init__(self, browser: PlaywrightBrowser, args: dict[str, Any], timeout_ms: int) -> None:
        self.browser = browser
        self.args = args
        self.timeout_ms = timeout_ms
        self.opened: list[tuple[BrowserContext, list[str]]] = []

    def open(self) -> BrowserContext:
        context = self.browser.new_context(**self.args)
        context.set_default_timeout(self.timeout_ms)
        log: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            log.append(f"{message.type}: {message.text} ({message.location.get('url', '')})")

        context.on("console", on_console)
        context.on("weberror", lambda error: log.append(f"pageerror: {error.error}"))
        context.on("requestfailed", lambda request: log.append(f"requestfailed: {request.url}"))
        context.tracing.start(screenshots=True, snapshots=True, sources=False)
        self.opened.append((context, log))
        return context

    def keep(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for number, (context, log) in enumerate(self.opened, start=1):
            for index, open_page in enumerate(context.pages, start=1):
                if not open_page.is_closed():
                    open_page.screenshot(path=folder / f"page-{number}-{index}.png", full_page=True)
            context.tracing.stop(path=folder / f"trace-{number}.zip")
            lines = [*log, f"url at failure: {[p.url for p in context.pages]}"]
            (folder / f"console-{number}.log").write_text("\n".join(lines) + "\n", "utf-8")

    def close(self) -> None:
        for context, _ in self.opened:
            # a trace still recording at close leaves Playwright's temporary folder behind
            with contextlib.suppress(PlaywrightError):
                context.tracing.stop()
            context.close()


@pytest.fixture
def open_context(
    request: pytest.FixtureRequest,
    browser: PlaywrightBrowser,
    browser_context_args: dict[str, Any],
) -> Iterator[Callable[[], BrowserContext]]:
    """Open a traced browser context (a second one is a second person)."""
    timeout_ms = e2e_settings(request.config).timeout_ms
    evidence = Evidence(browser, browser_context_args, timeout_ms)
    yield evidence.open
    try:
        if request.node.stash.get(_CALL_FAILED, False):
            attempt = int(getattr(request.node, "execution_count", 1))
            folder = layer_folder(request) / "failures" / _slug(request.node.name)
            evidence.keep(folder / f"attempt-{attempt}")
    finally:
        evidence.close()


@pytest.fixture
def context(open_context: Callable[[], BrowserContext]) -> BrowserContext:
    return open_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def api(stack: StackHandle) -> Iterator[Api]:
    """The JSON API as the stack's own tenant: setup and after-the-fact checks."""
    client = Api(stack.base_url, stack.token)
    yield client
    client.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    elapsed = time.perf_counter() - _SUITE_START
    terminalreporter.write_line(f"Journey suite wall time: {elapsed:.1f} s")
