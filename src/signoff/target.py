"""The service under test, as `[tool.signoff.target]` describes it.

Everything the engine knows about a service comes from here: how to start it (commands with
env and working folder), the backing services it needs embedded, where it answers (readiness,
OpenAPI, metrics), how a client authenticates, and which source and dependencies are its own.

Commands and env values (the target's, and a declared layer's that runs against a stack) may
name the `PLACEHOLDERS` that the stack fills in when it starts. An auth command may also name
`{name}` and `{role}`; `[target.auth.identity]` also `{password}`.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from signoff.errors import ConfigError
from signoff.identity import Identity

SERVICES = ("postgres", "redis")
AuthKind = Literal["none", "token", "login", "command"]
# The embedded PostgreSQL trusts loopback connections (initdb -A trust): it takes any password.
# `{postgres_password}` is this fixed text, for services that refuse an empty one.
EMBEDDED_PASSWORD = "signoff"
PLACEHOLDERS: dict[str, str] = {
    "port": "the HTTP process's port",
    "host": "127.0.0.1",
    "base_url": "the service's URL",
    "postgres_url": "postgresql://postgres@127.0.0.1:PORT/signoff",
    "postgres_host": "127.0.0.1",
    "postgres_port": "the embedded PostgreSQL's port",
    "postgres_user": "postgres (a superuser)",
    "postgres_password": f"{EMBEDDED_PASSWORD} (the server trusts loopback: any password works)",
    "postgres_db": "signoff",
    "redis_url": "redis://127.0.0.1:PORT/0",
    "redis_host": "127.0.0.1",
    "redis_port": "the embedded Redis's port",
    "workdir": "the stack's temporary folder (the target's commands only)",
    "root": "the project root",
    "python": "the service's interpreter (target.python)",
}


@dataclass(frozen=True)
class Process:
    """One long-running process of the service (the first one listed serves HTTP)."""

    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # working folder relative to the project root; "" means the target's `cwd`
    cwd: str = ""

    def check(self, where: str) -> None:
        if not self.command:
            raise ConfigError(f"'{where}.command' is empty; give the program and its arguments.")


@dataclass(frozen=True)
class Auth:
    """How a client proves who it is; the token goes into `header` through `format`.

    none: no credential. token: a token from the environment variable `token_env` (a deployed
    service) or printed by `command`. login: a login request (`login_url` with a form or JSON
    body) whose answer holds the token at `token_path`. command: `command` prints a token.
    """

    kind: AuthKind = "none"
    header: str = "Authorization"
    format: str = "Bearer {token}"
    # a token in this environment variable is used as it is, whatever the kind
    token_env: str = "SIGNOFF_TOKEN"
    login_url: str = ""
    login_form: dict[str, str] = field(default_factory=dict)
    login_json: dict[str, Any] = field(default_factory=dict)  # nested tables and lists too
    token_path: str = "access_token"
    command: list[str] = field(default_factory=list)
    identity: Identity = field(default_factory=Identity)  # new identities of a login

    @property
    def makes_identities(self) -> bool:
        """Whether new identities can be made: an auth command that names {name}, or a login
        with a way to make accounts ([target.auth.identity])."""
        if self.kind == "none":
            return False
        named = any("{name}" in part for part in self.command)
        return named or (self.kind == "login" and self.identity.made)

    def check(self, where: str) -> None:
        if self.kind == "login" and not self.login_url:
            raise ConfigError(f"'{where}.login_url' is needed when kind = \"login\".")
        if self.kind == "command" and not self.command:
            raise ConfigError(f"'{where}.command' is needed when kind = \"command\".")
        if "{token}" not in self.format:
            raise ConfigError(f"'{where}.format' must contain {{token}}, not {self.format!r}.")
        self.identity.check_login(self.kind, self.login_form, self.login_json, f"{where}.identity")


@dataclass(frozen=True)
class Metrics:
    """The service's metric names that the load layer reads from its metrics page ("" = none)."""

    requests: str = ""
    cache_hits: str = ""
    cache_misses: str = ""
    db_query_seconds: str = ""
    db_pool: str = ""
    resident_memory: str = ""


@dataclass(frozen=True)
class Compose:
    """The service as the user's compose file runs it (the containers provider)."""

    file: str = ""
    service: str = ""
    port: int = 0
    # the build context's folder inside the image, for coverage paths; "" = the image's WORKDIR
    source_root: str = ""


@dataclass(frozen=True)
class Target:
    name: str = "service"
    # working folder of the commands, relative to the project root
    cwd: str = "."
    # the service's interpreter, or its virtual environment's folder, relative to the project
    # root; its `python` commands and declared pytest suites run there ("" = signoff's own)
    python: str = ""
    # folders (relative to the project root) put on PYTHONPATH of the commands and the suites
    python_path: list[str] = field(default_factory=list)
    # embedded backing services: real processes on free loopback ports
    services: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    # commands run once after the service is ready (test data, migrations)
    setup: list[list[str]] = field(default_factory=list)
    # commands run once the backing services are up, before the processes start (migrations
    # that the readiness route needs)
    setup_before_ready: list[list[str]] = field(default_factory=list)
    # readiness: a path (or URL) that answers `ready_status` when the service can take work
    ready_path: str = "/"
    ready_status: int = 200
    # OpenAPI document: a path on the service, an absolute URL, or a file in the project
    openapi: str = "/openapi.json"
    metrics_path: str = ""
    metrics: Metrics = field(default_factory=Metrics)
    # the prefix of the API's own routes, e.g. "/api/v1" ("" = every route)
    api_prefix: str = ""
    # operations that answer without a credential ("METHOD /path", shell-style wildcards)
    public_operations: list[str] = field(default_factory=lambda: ["GET /openapi.json"])
    # Python packages whose coverage counts, and the source folders bandit scans
    coverage_packages: list[str] = field(default_factory=list)
    source_paths: list[str] = field(default_factory=list)
    # what pip-audit audits: pinned requirements or a lockfile (uv.lock, poetry.lock,
    # pylock.toml); "" = the one lockfile in the project root
    requirements: str = ""
    # a lockfile's dev groups audited beside its main dependencies (docs/your-service.md §6)
    dependency_groups: list[str] = field(default_factory=list)
    auth: Auth = field(default_factory=Auth)
    compose: Compose = field(default_factory=Compose)

    def check(self, where: str) -> None:
        for name in self.services:
            if name not in SERVICES:
                raise ConfigError(
                    f"'{where}.services' names {name!r}; signoff embeds {', '.join(SERVICES)}."
                )

    @property
    def startable(self) -> bool:
        return bool(self.processes)

    @property
    def http_process(self) -> str:
        return next(iter(self.processes))


def python_path(root: Path, setting: str) -> Path:
    """The interpreter `target.python` names (a venv folder means its bin/python)."""
    path = Path(os.path.abspath(root / setting))  # a venv's python is a symlink: never resolve it
    if path.is_dir():
        for inside in ("bin/python", "bin/python3", "Scripts/python.exe"):
            if (path / inside).exists():
                return path / inside
    return path


def check_python(root: Path, setting: str) -> None:
    """A `target.python` that names no file is a config error, found as the config loads."""
    if setting and not python_path(root, setting).is_file():
        raise ConfigError(
            f"'target.python' is {setting!r}, and there is no interpreter there under {root}.",
            hint="give a Python interpreter or a virtual environment's folder, relative to "
            "the project root.",
        )


def service_placeholders(services: Mapping[str, str]) -> dict[str, str]:
    """The placeholders that describe the backing services at these URLs, by their parts."""
    values: dict[str, str] = {}
    for name in SERVICES:
        if name not in services:
            continue
        url = urlsplit(services[name])
        values[f"{name}_url"] = services[name]
        values[f"{name}_host"] = url.hostname or ""
        values[f"{name}_port"] = str(url.port or "")
    if "postgres" in services:
        url = urlsplit(services["postgres"])
        values["postgres_user"] = url.username or ""
        values["postgres_password"] = url.password or EMBEDDED_PASSWORD
        values["postgres_db"] = url.path.lstrip("/")
    return values


def stack_placeholders(
    base_url: str, services: Mapping[str, str], root: str, python: str
) -> dict[str, str]:
    """The placeholders of a running stack (all but `{workdir}`, which only its commands see)."""
    url = urlsplit(base_url)
    return {
        "port": str(url.port or ""),
        "host": url.hostname or "",
        "base_url": base_url,
        **service_placeholders(services),
        "root": root,
        "python": python,
    }


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def expand(
    text: str, values: Mapping[str, str], where: str, env: Mapping[str, str] | None = None
) -> str:
    """`text` with its `{placeholders}` filled in from `values`, then from the environment
    variables `env` when given; an unknown one is a config error that names it alone (never
    the environment's variables, which may be many and secret)."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name]
    except ValueError as exc:
        raise ConfigError(f"{where}: {text!r} is not a valid template: {exc}.") from None
    found = {**(env or {}), **values}
    unknown = [n for n in names if n not in found]
    if unknown:
        known = ", ".join("{" + k + "}" for k in sorted(values)) or "none"
        if env is None:
            raise ConfigError(
                f"{where}: {text!r} names {{{unknown[0]}}}, which is not known here "
                f"(known: {known})."
            )
        raise ConfigError(
            f"{where}: {text!r} names {{{unknown[0]}}}, which is neither a placeholder here "
            f"({known}) nor a set environment variable.",
            hint=f"export {unknown[0]}=... before the run, or write the value in its place.",
        )
    return text.format_map(_Strict(found))
