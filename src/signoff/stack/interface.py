"""The stack provider interface and the handle that suites receive."""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, cast

import httpx

from signoff.errors import ControlUnsupported
from signoff.leaks.registry import Secrets


class StackControls:
    """Fault injection on a running stack, by component name ("redis", "postgres", or one of
    the target's processes such as "worker"). Providers override what they can do."""

    provider = "unknown"

    def _unsupported(self, what: str) -> ControlUnsupported:
        return ControlUnsupported(
            f"The {self.provider} stack provider cannot {what}.",
            hint="run this suite against the embedded stack (--stack local).",
        )

    def names(self) -> list[str]:
        """The components these controls can act on."""
        return []

    def stop(self, name: str) -> None:
        """Stop a component in an orderly way (SIGTERM, then SIGKILL after the stop timeout)."""
        raise self._unsupported(f"stop {name}")

    def start(self, name: str) -> None:
        """Start a stopped component again and wait until it is ready."""
        raise self._unsupported(f"start {name}")

    def restart(self, name: str) -> None:
        self.stop(name)
        self.start(name)

    def kill(self, name: str) -> None:
        """End a component abruptly (SIGKILL), as a crash would."""
        raise self._unsupported(f"kill {name}")

    def pid(self, name: str) -> int:
        raise self._unsupported(f"tell the process id of {name}")

    def service_pid(self) -> int:
        """The process id of the process that serves HTTP, for sampling its memory."""
        raise self._unsupported("tell the service's process id")

    def new_credential(self, name: str, role: str = "") -> str:
        """A token for a new identity named `name`, of the role `role` ("" = the ordinary one):
        the target's auth command with {name} and {role}, or `[target.auth.identity]`."""
        raise self._unsupported("make new credentials")


# The probes' clients open a connection per request: a server that closes one after an error
# (uvicorn after an unhandled exception's 500) must not cost the next request its answer,
# which would read as a finding about another route.
PROBE_LIMITS = httpx.Limits(max_keepalive_connections=0)


@dataclass(frozen=True)
class StackHandle:
    """What a suite needs to reach the stack.

    `headers` authenticate a request (empty when the target needs none); `services` maps each
    embedded backing service to its URL; `black_box` is True when only the HTTP surface is
    reachable (no DSN, no controls); `writes` is False when a deployed service must only be
    read, with `write_operations` the "METHOD /path" patterns the user allowed anyway.
    `callback_host` is this machine's address as the service sees it (where a test's webhook
    receiver listens); `images` names the image each containerized component ran. `secrets`
    holds every secret issued or configured for the stack (`signoff.leaks`), never shown.
    """

    __test__ = False  # not a pytest test class

    provider: str
    base_url: str
    token: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    controls: StackControls = field(default_factory=StackControls)
    log_dir: Path | None = None
    black_box: bool = False
    writes: bool = True
    write_operations: list[str] = field(default_factory=list)
    openapi: str = ""
    metrics_url: str = ""
    components: dict[str, str] = field(default_factory=dict)
    callback_host: str = "127.0.0.1"
    images: dict[str, str] = field(default_factory=dict)
    secrets: Secrets = field(default_factory=Secrets, compare=False, repr=False)

    @property
    def database_url(self) -> str | None:
        return self.services.get("postgres")

    @property
    def redis_url(self) -> str | None:
        return self.services.get("redis")

    def may_send(self, operation: str) -> bool:
        """Whether "METHOD /path" may be sent: reads always, writes when allowed."""
        method = operation.split(" ", 1)[0].upper()
        if method in ("GET", "HEAD", "OPTIONS") or self.writes:
            return True
        return any(fnmatch.fnmatchcase(operation, p) for p in self.write_operations)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An HTTP client on the base URL that sends the credential."""
        kwargs.setdefault("timeout", 10.0)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.base_url, headers=headers, **kwargs)


class StackProvider(ABC):
    """Brings a stack up and always takes it down again; use it as a context manager."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def unavailable_reason(cls) -> str | None:
        """None when this provider can run here; otherwise why not, in one sentence."""

    @abstractmethod
    def start(self) -> StackHandle:
        """Start (or reach) the stack and wait until it is ready."""

    @abstractmethod
    def stop(self) -> None:
        """Tear everything down; safe to call twice and after a failed start."""

    @property
    def secrets(self) -> Secrets:
        """Every secret issued or configured for this stack, made on first use."""
        return cast(Secrets, self.__dict__.setdefault("_secrets", Secrets()))

    def __enter__(self) -> StackHandle:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def absolute(base_url: str, location: str) -> str:
    """A path on the service (or an absolute URL) as an absolute URL; "" stays ""."""
    if not location or location.startswith(("http://", "https://")):
        return location
    return f"{base_url.rstrip('/')}/{location.lstrip('/')}"
