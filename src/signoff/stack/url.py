"""An already running deployment: only its HTTP surface is reachable (black-box layers)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import httpx

from signoff.errors import StackStartError
from signoff.stack import auth
from signoff.stack.interface import StackControls, StackHandle, StackProvider, absolute
from signoff.target import Target


class UrlControls(StackControls):
    provider = "url"


class UrlProvider(StackProvider):
    """Reaches `base_url` with the target's credential; starts and stops nothing.

    Writes are off unless the user opted in (`writes`, or `write_operations` patterns).
    """

    name: ClassVar[str] = "url"

    def __init__(
        self,
        base_url: str,
        target: Target | None = None,
        root: Path | None = None,
        timeout: float = 10.0,
        writes: bool = False,
        write_operations: list[str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.target = target or Target()
        self.root = root or Path.cwd()
        self.timeout = timeout
        self.writes = writes
        self.write_operations = write_operations or []

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None

    def start(self) -> StackHandle:
        if not self.base_url.startswith(("http://", "https://")):
            raise StackStartError(
                f"The base URL {self.base_url!r} is not an http(s) URL.",
                hint="pass --base-url http://host:port or set SIGNOFF_BASE_URL.",
            )
        env = dict(os.environ)
        token = auth.obtain(self.target.auth, self.base_url, {}, env, self.root, self.timeout)
        ready = absolute(self.base_url, self.target.ready_path)
        try:
            response = httpx.get(ready, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise StackStartError(
                f"{ready} did not answer: {exc}.",
                hint="check that the deployment is up and reachable from here.",
            ) from exc
        if response.status_code != self.target.ready_status:
            raise StackStartError(
                f"{ready} answered {response.status_code}, not {self.target.ready_status}.",
                hint="set target.ready_path and target.ready_status to the service's readiness.",
            )
        return StackHandle(
            provider=self.name,
            base_url=self.base_url,
            token=token,
            headers=auth.headers(self.target.auth, token),
            controls=UrlControls(),
            black_box=True,
            writes=self.writes,
            write_operations=self.write_operations,
            openapi=self.target.openapi,
            metrics_url=absolute(self.base_url, self.target.metrics_path),
        )

    def stop(self) -> None:
        """Nothing to tear down: the deployment is not ours."""
