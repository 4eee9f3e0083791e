"""Choosing a stack provider from the command line, the environment and the config."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from signoff.config import Config
from signoff.errors import ProviderUnavailable, UsageError
from signoff.stack.containers import ContainersProvider
from signoff.stack.interface import StackProvider
from signoff.stack.local import LocalProvider
from signoff.stack.url import UrlProvider

CHOICES = ("auto", "local", "containers", "url")


@dataclass(frozen=True)
class Chosen:
    """Which provider to use (`auto` resolved, not yet checked) and the deployment's URL."""

    name: str
    base_url: str
    source: str  # where the name came from, for an error: "--stack", "SIGNOFF_STACK" or ""
    why: str = ""  # what decided it, for the line a run starts with

    def describe(self) -> str:
        """One line for the start of a run, e.g. "Stack: local (auto: [target.processes]
        declared)"."""
        return f"Stack: {self.name} ({self.why})" if self.why else f"Stack: {self.name}"


def chosen(config: Config, choice: str | None = None, base_url: str | None = None) -> Chosen:
    """The one place that ranks the sources: the command line, then the environment
    (SIGNOFF_STACK, SIGNOFF_BASE_URL), then the config."""
    env_stack = os.environ.get("SIGNOFF_STACK", "")
    env_url = os.environ.get("SIGNOFF_BASE_URL", "")
    url = base_url or env_url or config.base_url
    if choice:
        name, source, why = choice, "--stack", f"--stack {choice}"
    elif env_stack:
        name, source, why = env_stack, "SIGNOFF_STACK", f"SIGNOFF_STACK={env_stack}"
    else:
        name, source, why = config.provider, "", f'provider = "{config.provider}" in the config'
    if name == "auto":
        asked = "--base-url" if base_url else "SIGNOFF_BASE_URL" if env_url else ""
        name, why = _auto(config, asked, url)
    return Chosen(name, url, source, why)


def _auto(config: Config, asked: str, url: str) -> tuple[str, str]:
    """`auto`: a URL the user gave for this run (--base-url, SIGNOFF_BASE_URL) is url; then a
    service signoff can start wins over the config's `base_url` (which `signoff init` writes
    from the document's address): processes are local, a compose file alone containers."""
    if asked:
        return "url", f"auto: {asked} given"
    if config.target.startable:
        return "local", "auto: [target.processes] declared"
    if config.target.compose.file:
        return "containers", "auto: [target.compose] declared, no [target.processes]"
    if url:
        return "url", "auto: base_url set, no [target.processes] declared"
    return "local", "auto: the embedded default"


def choose_provider(
    config: Config,
    log_dir: Path,
    choice: str | None = None,
    base_url: str | None = None,
    coverage_dir: Path | None = None,
    service_env: dict[str, str] | None = None,
) -> StackProvider:
    """The provider `chosen` names, set up from the config."""
    pick = chosen(config, choice, base_url)
    if pick.name not in CHOICES:
        raise UsageError(
            f"Unknown stack provider {pick.name!r} ({pick.source or 'the provider setting'}); "
            f"choose one of {', '.join(CHOICES)}."
        )
    if pick.name == "url":
        return _url(config, pick.base_url)
    if pick.name == "containers":
        return _containers(config, log_dir, coverage_dir, service_env)
    return _local(config, log_dir, coverage_dir, service_env)


def _url(config: Config, base_url: str) -> UrlProvider:
    if not base_url:
        raise UsageError("--stack url needs a base URL (--base-url or SIGNOFF_BASE_URL).")
    settings = config.stack
    return UrlProvider(
        base_url,
        config.target,
        config.root,
        writes=settings.url_writes,
        write_operations=list(settings.url_write_operations),
    )


def _containers(
    config: Config,
    log_dir: Path,
    coverage_dir: Path | None,
    service_env: dict[str, str] | None,
) -> ContainersProvider:
    settings = config.stack
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


def _local(
    config: Config,
    log_dir: Path,
    coverage_dir: Path | None,
    service_env: dict[str, str] | None,
) -> LocalProvider:
    if not config.target.startable:
        raise UsageError(
            "There is no service to start: [tool.signoff.target] declares no processes.",
            hint="describe how to start it (target.processes), or pass --base-url for a "
            "running deployment.",
        )
    settings = config.stack
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
