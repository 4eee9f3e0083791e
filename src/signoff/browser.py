"""Find a Chromium for the browser journeys: Playwright's own if installed, else the system's.

Where `playwright install` cannot download anything, Debian's `chromium` package works when
launched with the flags below. No browser at all is an error that says how to get one; the
journeys are never skipped for want of one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff.config import E2eSettings
from signoff.errors import SignoffError

__all__ = [
    "SYSTEM_FLAGS",
    "SYSTEM_NAMES",
    "Browser",
    "BrowserNotFound",
    "find",
    "from_settings",
    "managed_path",
]

SYSTEM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
# A system browser runs as root in containers and must not phone home during a journey.
SYSTEM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class BrowserNotFound(SignoffError):
    """Neither a Playwright-managed nor a system Chromium is installed."""


@dataclass(frozen=True)
class Browser:
    """The browser the journeys launch; `executable` is None for Playwright's own."""

    source: str  # "playwright" or "system"
    executable: Path | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)

    def launch_args(self) -> dict[str, Any]:
        """Keyword arguments for `BrowserType.launch` (pytest-playwright's launch args)."""
        if self.executable is None:
            return {}
        return {"executable_path": str(self.executable), "args": list(self.flags)}

    def describe(self) -> str:
        return "Playwright's Chromium" if self.executable is None else str(self.executable)


def managed_path() -> str | None:
    """Where Playwright's own Chromium would be; None when Playwright cannot tell.

    Starts Playwright's driver briefly, so call it outside a running event loop (pytest code
    should pass `playwright.chromium.executable_path` to `find` instead).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as playwright:
            return playwright.chromium.executable_path
    except Exception:  # a broken driver install must fall through to the system browser
        return None


def find(
    managed: str | None = None,
    names: Sequence[str] = SYSTEM_NAMES,
    extra_dirs: Sequence[Path] = (Path("/usr/bin"), Path("/usr/local/bin")),
) -> Browser:
    """Playwright's Chromium when `managed` exists, else the first system browser found."""
    if managed and Path(managed).is_file() and os.access(managed, os.X_OK):
        return Browser("playwright")
    for name in names:
        found = shutil.which(name)
        if found is None:
            candidates = [folder / name for folder in extra_dirs]
            found = next(
                (str(c) for c in candidates if c.is_file() and os.access(c, os.X_OK)), None
            )
        if found is not None:
            return Browser("system", Path(found), SYSTEM_FLAGS)
    raise BrowserNotFound(
        "No browser was found for the journeys: Playwright has no Chromium installed and none "
        f"of {', '.join(names)} is on the PATH.",
        hint="run `playwright install chromium`, or install Debian's browser with "
        "`apt-get install -y chromium`.",
    )


def from_settings(settings: E2eSettings, managed: str | None) -> Browser:
    """`find` as the [e2e] settings ask: whether to use Playwright's, names and folders."""
    return find(
        managed if settings.use_playwright_browser else None,
        list(settings.browsers),
        [Path(folder) for folder in settings.browser_dirs],
    )
