"""The stack provider interface and the handle that suites receive."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import ClassVar

from signoff.errors import ControlUnsupported


class StackControls:
    """Fault injection on a running stack. Providers override what they can do."""

    provider = "unknown"

    def _unsupported(self, what: str) -> ControlUnsupported:
        return ControlUnsupported(
            f"The {self.provider} stack provider cannot {what}.",
            hint="run this suite against the embedded stack (--stack local).",
        )

    def stop_redis(self) -> None:
        raise self._unsupported("stop Redis")

    def start_redis(self) -> None:
        raise self._unsupported("start Redis")

    def stop_postgres(self) -> None:
        raise self._unsupported("stop PostgreSQL")

    def start_postgres(self) -> None:
        raise self._unsupported("start PostgreSQL")

    def restart_postgres(self) -> None:
        self.stop_postgres()
        self.start_postgres()

    def kill_worker(self) -> None:
        """Kill the worker abruptly (SIGKILL), as a crash would."""
        raise self._unsupported("kill the worker")

    def start_worker(self) -> None:
        raise self._unsupported("start the worker")

    def restart_worker(self) -> None:
        self.kill_worker()
        self.start_worker()

    def new_tenant(self, name: str) -> str:
        """Create a tenant and return its API key."""
        raise self._unsupported("create tenants")

    def service_pid(self) -> int:
        """The service process id, for sampling its memory."""
        raise self._unsupported("tell the service's process id")


@dataclass(frozen=True)
class StackHandle:
    """What a suite needs to reach the stack.

    `black_box` is True when only the HTTP surface is reachable (no DSN, no controls).
    """

    __test__ = False  # not a pytest test class

    provider: str
    base_url: str
    api_key: str
    database_url: str | None = None
    redis_url: str | None = None
    controls: StackControls = field(default_factory=StackControls)
    log_dir: Path | None = None
    black_box: bool = False
    components: dict[str, str] = field(default_factory=dict)


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
