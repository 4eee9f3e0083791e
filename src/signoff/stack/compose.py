"""One compose project of a run: the user's compose file plus signoff's override, driven through
the compose CLI, and what the engine says about its containers."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from signoff import children
from signoff.errors import ProviderUnavailable, StackStartError
from signoff.stack import docker
from signoff.stack.procs import log_tail
from signoff.target import expand

OVERRIDE = "compose.override.yaml"
METADATA = "stack.json"


def _yaml() -> Any:
    try:
        import yaml
    except ImportError as exc:
        raise ProviderUnavailable(
            "The containers provider needs PyYAML to read the compose model.",
            hint="pip install 'signoff[containers]'.",
        ) from exc
    return yaml


class ComposeProject:
    """The project `name` of `compose_file` with its logs and override in `log_dir`."""

    def __init__(
        self, cli: list[str], name: str, compose_file: Path, log_dir: Path, env: Mapping[str, str]
    ) -> None:
        self.cli = cli
        self.name = name
        self.file = compose_file
        self.log_dir = log_dir
        self.env = dict(env)
        self.override = log_dir / OVERRIDE
        self._model: dict[str, Any] | None = None

    def argv(self, *args: str, override: bool = True) -> list[str]:
        files = ["-f", str(self.file)] + (["-f", str(self.override)] if override else [])
        return [*self.cli, "-p", self.name, *files, *args]

    def model(self) -> dict[str, Any]:
        """The user's compose file as compose resolves it (interpolated, anchors merged)."""
        if self._model is None:
            done = docker.run(
                self.argv("config", override=False),
                60,
                self.env,
                what=f"Reading {self.file.name} with compose",
            )
            found = _yaml().safe_load(done.stdout) or {}
            self._model = found if isinstance(found, dict) else {}
        return self._model

    def file_version(self) -> str | None:
        """The user's `version:` key: compose v1 refuses to merge files of different versions."""
        raw = _yaml().safe_load(self.file.read_text(encoding="utf-8")) or {}
        version = raw.get("version") if isinstance(raw, dict) else None
        return str(version) if version else None

    def write_override(self, override: dict[str, Any]) -> None:
        if override.get("version") is None:
            override.pop("version", None)
        self.override.write_text(_yaml().safe_dump(override, sort_keys=False), encoding="utf-8")

    def has_default_bridge(self) -> bool:
        done = docker.run(["docker", "network", "inspect", "bridge"], 15, check=False)
        return done.returncode == 0

    # ------------------------------------------------------------------ lifecycle
    def up(self, timeout: float, build: bool = True) -> None:
        self._logged(["up", "-d", *(["--build"] if build else [])], timeout, "compose up")

    def build(self, timeout: float) -> None:
        self._logged(["build"], timeout, "compose build")

    def _logged(self, args: list[str], timeout: float, what: str) -> None:
        """A compose command whose output goes to compose.log; a failure quotes its end."""
        log = self.log_dir / "compose.log"
        with log.open("a", encoding="utf-8") as out:
            out.write("$ " + " ".join(self.argv(*args)) + "\n")
            out.flush()
            try:
                done = children.run(self.argv(*args), env=self.env, stdout=out, timeout=timeout)
            except children.TimeoutExpired:
                raise StackStartError(
                    f"{what} of {self.file.name} did not finish within {timeout:g} s; read {log}."
                ) from None
        if done.returncode != 0:
            self.save_logs()
            raise StackStartError(
                f"{what} of {self.file.name} failed (code {done.returncode}); read {log}.",
                hint=f"last lines of the compose log:\n{log_tail(log)}",
            )

    def down(self, timeout: float) -> None:
        argv = self.argv("down", "-v", "--remove-orphans", "-t", str(int(timeout)))
        docker.run(argv, 120 + timeout, self.env, check=False)

    def containers(self) -> dict[str, dict[str, Any]]:
        """Each service's container, as `docker inspect` describes it."""
        ids = docker.run(
            ["docker", "ps", "-a", "-q", "--filter", f"label={docker.PROJECT}={self.name}"],
            30,
            check=False,
        ).stdout.split()
        found: dict[str, dict[str, Any]] = {}
        for item in docker.inspect("container", ids):
            service = (item.get("Config") or {}).get("Labels", {}).get(docker.SERVICE)
            if service:
                found[service] = item
        return found

    def wait_healthy(self, services: Sequence[str], timeout: float) -> None:
        """Until every service's container runs and passes its health check (if it has one)."""
        deadline = time.monotonic() + timeout
        waiting = list(services)
        while True:
            found = self.containers()
            waiting = [s for s in services if not self._settled(s, found.get(s))]
            if not waiting:
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        service = waiting[0]
        log = self.save_logs([service])[0] if service in found else self.log_dir / "compose.log"
        state = (found.get(service) or {}).get("State") or {}
        seen = (state.get("Health") or {}).get("Status") or state.get("Status") or "no container"
        raise StackStartError(
            f"The compose service {service} was not healthy within {timeout:g} s "
            f"(it is {seen}); read {log}.",
            hint=f"last lines of its log:\n{log_tail(log)}",
        )

    def _settled(self, service: str, item: dict[str, Any] | None) -> bool:
        if item is None:
            return False
        state = item.get("State") or {}
        if state.get("Status") == "exited":
            if state.get("ExitCode") == 0:  # a one-shot service (migrations) that finished
                return True
            log = self.save_logs([service])[0]
            raise StackStartError(
                f"The compose service {service} exited with code {state.get('ExitCode')}; "
                f"read {log}.",
                hint=f"last lines of its log:\n{log_tail(log)}",
            )
        health = (state.get("Health") or {}).get("Status")
        return bool(state.get("Running")) and health in (None, "healthy")

    def exec(
        self,
        service: str,
        command: Sequence[str],
        values: Mapping[str, str],
        where: str,
        timeout: float,
    ) -> str:
        """Run a target command inside the service's container; its stdout."""
        argv = [expand(part, values, where) for part in command]
        done = docker.run(
            self.argv("exec", "-T", service, *argv), timeout, self.env, what=" ".join(argv)
        )
        return done.stdout

    # ------------------------------------------------------------------ evidence
    def save_logs(self, services: Sequence[str] | None = None) -> list[Path]:
        """Every (or the named) service's container log, in the log folder."""
        paths = []
        for service, item in self.containers().items():
            if services is not None and service not in services:
                continue
            path = self.log_dir / f"{service}.log"
            with path.open("w", encoding="utf-8") as out:
                children.run(
                    ["docker", "logs", "--timestamps", str(item["Id"])], stdout=out, timeout=60
                )
            paths.append(path)
        return paths or [self.log_dir / "compose.log"]

    def gateway(self, service: str) -> str | None:
        """The address of this machine on the service's network, where it can call back."""
        item = self.containers().get(service) or {}
        networks = (item.get("NetworkSettings") or {}).get("Networks") or {}
        for network in networks.values():
            if network.get("Gateway"):
                return str(network["Gateway"])
        return None

    def images(self) -> dict[str, str]:
        """Each service's image: `repo@sha256:…` when it came from a registry, else its
        reference and the image ID (the digest of its configuration)."""
        found: dict[str, str] = {}
        for service, item in sorted(self.containers().items()):
            reference = (item.get("Config") or {}).get("Image", "")
            image_id = str(item.get("Image", ""))
            described = docker.inspect("image", [image_id])
            digests = (described[0].get("RepoDigests") or []) if described else []
            found[service] = str(digests[0]) if digests else f"{reference} {image_id}"
        return found

    def write_metadata(
        self, provider: str, images: Mapping[str, str], timings: Mapping[str, float]
    ) -> Path:
        version = docker.run(
            ["docker", "version", "--format", "{{.Server.Version}}"], 15, check=False
        )
        payload = {
            "provider": provider,
            "project": self.name,
            "compose_files": [str(self.file), str(self.override)],
            "compose_cli": " ".join(self.cli),
            "engine": version.stdout.strip(),
            "images": dict(images),
            "timings_s": {k: round(v, 3) for k, v in timings.items()},
        }
        path = self.log_dir / METADATA
        path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return path
