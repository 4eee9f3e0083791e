"""An already running deployment: only its HTTP surface is reachable (black-box layers)."""

from __future__ import annotations

import os
from typing import ClassVar

import httpx

from signoff.errors import StackStartError
from signoff.stack.interface import StackControls, StackHandle, StackProvider

KEY_VAR = "SIGNOFF_API_KEY"


class UrlControls(StackControls):
    provider = "url"


class UrlProvider(StackProvider):
    """Reaches `base_url` with the API key from SIGNOFF_API_KEY; starts and stops nothing."""

    name: ClassVar[str] = "url"

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get(KEY_VAR, "")
        self.timeout = timeout

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None

    def start(self) -> StackHandle:
        if not self.base_url.startswith(("http://", "https://")):
            raise StackStartError(
                f"The base URL {self.base_url!r} is not an http(s) URL.",
                hint="pass --base-url http://host:port or set SIGNOFF_BASE_URL.",
            )
        if not self.api_key:
            raise StackStartError(
                f"No API key for {self.base_url}: {KEY_VAR} is not set.",
                hint=f"export {KEY_VAR}=<a key of a tenant of that deployment>.",
            )
        try:
            response = httpx.get(f"{self.base_url}/health/live", timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise StackStartError(
                f"{self.base_url} did not answer /health/live: {exc}.",
                hint="check that the deployment is up and reachable from here.",
            ) from exc
        if response.status_code != 200:
            raise StackStartError(
                f"{self.base_url}/health/live answered {response.status_code}, not 200."
            )
        return StackHandle(
            provider=self.name,
            base_url=self.base_url,
            api_key=self.api_key,
            controls=UrlControls(),
            black_box=True,
        )

    def stop(self) -> None:
        """Nothing to tear down: the deployment is not ours."""
