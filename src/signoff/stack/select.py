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
    source = "--stack" if choice else "SIGNOFF_STACK" if os.environ.get("SIGNOFF_STACK") else ""
    choice = choice or os.environ.get("SIGNOFF_STACK") or config.provider
    base_url = base_url or os.environ.get("SIGNOFF_BASE_URL") or config.base_url
    if choice not in CHOICES:
        raise UsageError(
            f"Unknown stack provider {choice!r} ({source or 'the provider setting'}); "
            f"choose one of {', '.join(CHOICES)}."
        )
    if choice == "auto":
        choice = "url" if base_url else "local"
    settings = config.stack
    if choice == "url":
        if not base_url:
            raise UsageError("--stack url needs a base URL (--base-url or SIGNOFF_BASE_URL).")
        return UrlProvider(
            base_url,
            config.target,
            config.root,
            writes=settings.url_writes,
            write_operations=list(settings.url_write_operations),
        )
    if choice == "containers":
        reason = ContainersProvider.unavailable_reason()
        if reason:
            raise ProviderUnavailable(reason, hint="use --stack local (the embedded stack).")
        return ContainersProvider(
            config.target,
            config.root,
            log_dir,
            ready_timeout=max(settings.ready_timeout, 120.0),
            stop_timeout=settings.stop_timeout,
            service_env=service_env,
            coverage_dir=coverage_dir,
            source_root=config.target.compose.source_root,
        )
    if not config.target.startable:
        raise UsageError(
            "There is no service to start: [tool.signoff.target] declares no processes.",
            hint="describe how to start it (target.processes), or pass --base-url for a "
            "running deployment.",
        )
    local = LocalProvider(
        config.target,
        config.root,
        log_dir,
        ready_timeout=settings.ready_timeout,
        stop_timeout=settings.stop_timeout,
        coverage_dir=coverage_dir,
        service_env=service_env,
    )
    missing = local.missing_services()
    if missing:
        raise ProviderUnavailable(missing.message, hint=missing.hint)
    return local
