"""Choosing a stack provider from the config and the command line."""

from __future__ import annotations

import os
from pathlib import Path

from signoff.config import Config
from signoff.errors import ProviderUnavailable, UsageError
from signoff.stack.containers import ContainersProvider
from signoff.stack.interface import StackProvider
from signoff.stack.local import LocalProvider
from signoff.stack.url import UrlProvider

CHOICES = ("auto", "local", "containers", "url")


def choose_provider(
    config: Config,
    log_dir: Path,
    choice: str | None = None,
    base_url: str | None = None,
    coverage_dir: Path | None = None,
    service_env: dict[str, str] | None = None,
) -> StackProvider:
    """The provider the user asked for, or for `auto`: url if a base URL is given, else local.

    `auto` never picks containers by itself: the local stack is the embedded default.
    """
    choice = choice or os.environ.get("SIGNOFF_STACK") or str(config["provider"])
    base_url = base_url or os.environ.get("SIGNOFF_BASE_URL") or str(config["base_url"])
    if choice not in CHOICES:
        raise UsageError(f"Unknown stack provider {choice!r}; choose one of {', '.join(CHOICES)}.")
    if choice == "auto":
        choice = "url" if base_url else "local"
    settings = config.section("stack")
    stack_dir = config.root / str(settings["path"])
    if choice == "url":
        if not base_url:
            raise UsageError("--stack url needs a base URL (--base-url or SIGNOFF_BASE_URL).")
        return UrlProvider(base_url)
    if choice == "containers":
        reason = ContainersProvider.unavailable_reason()
        if reason:
            raise ProviderUnavailable(reason, hint="use --stack local (the embedded stack).")
        return ContainersProvider(stack_dir)
    reason = LocalProvider.unavailable_reason()
    if reason:
        raise ProviderUnavailable(reason)
    return LocalProvider(
        stack_dir,
        log_dir,
        ready_timeout=float(settings["ready_timeout"]),
        stop_timeout=float(settings["stop_timeout"]),
        coverage_dir=coverage_dir,
        coverage_rcfile=config.root / "pyproject.toml" if coverage_dir else None,
        service_env=service_env,
    )
