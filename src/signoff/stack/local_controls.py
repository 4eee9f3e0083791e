"""Fault controls of the embedded stack: stop, start, kill any backing service or process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from signoff.errors import ControlUnsupported
from signoff.stack.interface import StackControls
from signoff.stack.local_services import redis_pings
from signoff.stack.procs import ManagedProcess

if TYPE_CHECKING:  # local.py hands these controls out, so it imports this module
    from signoff.stack.local import LocalProvider


class LocalControls(StackControls):
    """Fault controls of the embedded stack: any backing service or process, by name."""

    provider = "local"

    def __init__(self, stack: LocalProvider) -> None:
        self.stack = stack

    def names(self) -> list[str]:
        return [*self.stack.target.services, *self.stack.target.processes]

    def _proc(self, name: str) -> ManagedProcess:
        if name not in self.names():
            raise ControlUnsupported(
                f"The stack has no component named {name!r} (it has: {', '.join(self.names())})."
            )
        return self.stack.procs[name]

    def stop(self, name: str) -> None:
        self._proc(name).stop(self.stack.stop_timeout)

    def start(self, name: str) -> None:
        proc = self._proc(name)
        if name == "postgres":
            self.stack._start_postgres()
        elif name == "redis":
            proc.start()
            port = self.stack.ports["redis"]
            proc.wait_ready(lambda: redis_pings(port), self.stack.ready_timeout, "PING")
        else:
            self.stack.start_process(name)

    def kill(self, name: str) -> None:
        self._proc(name).kill()

    def pid(self, name: str) -> int:
        return self._proc(name).pid

    def service_pid(self) -> int:
        return self.pid(self.stack.target.http_process)

    def new_credential(self, name: str) -> str:
        return self.stack.new_credential(name)
