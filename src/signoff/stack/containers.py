"""The target's own compose file, on the Docker engine the user has.

Each start is a compose project of its own (`signoff-<hex>`), brought up from the user's file
plus an override written into the log folder (`compose.override.yaml`). The override only adds
what a test run needs and leaves the user's services as they are: the run's labels on every
container, network and volume; the HTTP service and the embedded backing services (postgres,
redis) published on loopback ports chosen here, so they keep their port across a stop/start;
a stable image name for built services, so the build cache serves the next run; and, on an
engine without a default bridge, builds on the host's network (else `pip install` in a build
step has no network at all). The handle carries the DSN and Redis URL with those ports, the
credentials the target's auth command prints inside the HTTP service's container, fault
controls by component name, and the images each service ran. Logs of every container are kept
in the log folder; teardown removes every container, network and volume of the project. With a
coverage folder, the services built from the user's source run their Python under coverage
(`container_coverage`), and teardown leaves their combined data in that folder.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import coverage
import httpx

from signoff.errors import ProviderUnavailable, StackStartError
from signoff.stack import auth, docker
from signoff.stack.compose import ComposeProject
from signoff.stack.container_controls import ContainerControls
from signoff.stack.container_coverage import ContainerCoverage
from signoff.stack.interface import StackHandle, StackProvider, absolute
from signoff.stack.procs import free_port, log_tail
from signoff.target import Target

# The port each embedded backing service listens on inside its container (the official images').
SERVICE_PORTS = {"postgres": 5432, "redis": 6379}
BUILD_TIMEOUT = 900.0

__all__ = ["ContainerControls", "ContainersProvider", "docker_socket", "engine_answers"]
docker_socket = docker.docker_socket
engine_answers = docker.engine_answers


class ContainersProvider(StackProvider):
    """`compose up` of the target's compose file, waited on through health checks and readiness."""

    name: ClassVar[str] = "containers"

    def __init__(
        self,
        target: Target,
        root: Path,
        log_dir: Path | None = None,
        ready_timeout: float = 120.0,
        stop_timeout: float = 10.0,
        service_env: dict[str, str] | None = None,
        coverage_dir: Path | None = None,
        source_root: str = "",
    ) -> None:
        self.target = target
        self.root = root.resolve()
        self.log_dir = log_dir or Path(f"/tmp/signoff-containers-{os.getpid()}")
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.service_env = service_env or {}
        self.coverage_dir = coverage_dir
        # where the build context's files are inside the image ("" = the image's WORKDIR)
        self.source_root = source_root
        self.coverage: ContainerCoverage | None = None
        self.project: ComposeProject | None = None
        self.timings: dict[str, float] = {}
        self.ports: dict[str, int] = {}
        self._lock = threading.Lock()
        self._registered = False

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return docker.engine_answers()

    def _compose_file(self) -> Path:
        spec = self.target.compose
        if not spec.file or not spec.service or not spec.port:
            raise StackStartError(
                "The target has no compose file, service and port (target.compose).",
                hint="set target.compose.file, .service and .port, or use --stack local.",
            )
        path = self.root / spec.file
        if not path.is_file():
            raise StackStartError(
                f"The compose file {path} does not exist.",
                hint="set target.compose.file to the compose file, relative to the project root.",
            )
        return path

    # ------------------------------------------------------------------ start
    def start(self) -> StackHandle:
        compose_file = self._compose_file()
        reason = self.unavailable_reason()
        if reason:
            raise ProviderUnavailable(
                reason,
                hint="start a Docker engine and export DOCKER_HOST, or use --stack local.",
            )
        cli = docker.compose_cli()
        if not self._registered:
            atexit.register(self.stop)
            self._registered = True
        began = time.perf_counter()
        docker.reap()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.service_env}
        project = ComposeProject(
            cli, f"signoff-{uuid.uuid4().hex[:10]}", compose_file, self.log_dir, env
        )
        self.project = project
        services = self._services(project)
        self._up(project, services, began)
        http = self.target.compose.service
        for index, command in enumerate(self.target.setup):
            where = f"target.setup[{index}]"
            project.exec(http, command, {"name": "setup"}, where, self.ready_timeout)
        controls = ContainerControls(self)
        token = controls.new_credential("signoff", new=False)
        self.timings["credential"] = time.perf_counter() - began
        images = project.images()
        project.write_metadata(self.name, images, self.timings)
        return StackHandle(
            provider=self.name,
            base_url=self.base_url,
            token=token,
            headers=auth.headers(self.target.auth, token),
            services=self.service_urls(services),
            controls=controls,
            log_dir=self.log_dir,
            openapi=self.target.openapi,
            metrics_url=absolute(self.base_url, self.target.metrics_path),
            components={name: f"127.0.0.1:{port}" for name, port in self.ports.items()},
            callback_host=project.gateway(http) or "127.0.0.1",
            images=images,
            secrets=self.secrets,
        )

    def _services(self, project: ComposeProject) -> dict[str, Any]:
        """The compose model's services, with loopback ports chosen for the HTTP service and
        the embedded backing services it has."""
        services: dict[str, Any] = project.model().get("services") or {}
        http = self.target.compose.service
        if http not in services:
            raise StackStartError(
                f"The compose file {project.file.name} has no service {http!r} "
                f"(it has: {', '.join(services)}).",
                hint="set target.compose.service to the service that answers HTTP.",
            )
        self.ports = {http: free_port()}
        for name in self.target.services:
            if name in services:
                self.ports[name] = free_port()
        return services

    def _up(self, project: ComposeProject, services: dict[str, Any], began: float) -> None:
        """The override written (with coverage, the measured services built and wrapped
        first), the project up, healthy and answering its readiness URL."""
        override = self._override(services)
        project.write_override(override)
        if self.coverage_dir is not None:
            project.build(BUILD_TIMEOUT)
            self.coverage = ContainerCoverage(
                self.target, self.coverage_dir, self.log_dir, project.name
            )
            if self.coverage.wrap(services, override, self.source_root):
                project.write_override(override)
            else:
                self.coverage = None
        project.up(BUILD_TIMEOUT, build=self.coverage is None)
        self.timings["up"] = time.perf_counter() - began
        project.wait_healthy(list(services), self.ready_timeout)
        self._wait_ready()
        self.timings["ready"] = time.perf_counter() - began

    def _override(self, services: dict[str, Any]) -> dict[str, Any]:
        project = self.project
        assert project is not None
        labels = {docker.LABEL: project.name, docker.OWNER: docker.owner()}
        host_network_builds = not project.has_default_bridge()
        spec = self.target.compose
        processes = {spec.service, *self.target.processes}
        override: dict[str, Any] = {}
        for name, service in services.items():
            entry: dict[str, Any] = {"labels": dict(labels)}
            if name in self.ports:
                inside = spec.port if name == spec.service else SERVICE_PORTS[name]
                entry["ports"] = [f"127.0.0.1:{self.ports[name]}:{inside}"]
            build = service.get("build")
            if build:
                if not service.get("image"):
                    entry["image"] = f"signoff/{self.target.name}-{name}:latest"
                if host_network_builds:
                    context = build if isinstance(build, str) else build.get("context", ".")
                    entry["build"] = {"context": str(context), "network": "host"}
            if name in processes and self.service_env:
                entry["environment"] = dict(self.service_env)
            override[name] = entry
        volumes = {v: {"labels": dict(labels)} for v in (project.model().get("volumes") or {})}
        return {
            "version": project.file_version(),
            "services": override,
            "networks": {"default": {"labels": dict(labels)}},
            **({"volumes": volumes} if volumes else {}),
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[self.target.compose.service]}"

    def service_urls(self, services: dict[str, Any]) -> dict[str, str]:
        urls: dict[str, str] = {}
        if "postgres" in self.ports:
            env = _environment(services["postgres"])
            user = env.get("POSTGRES_USER") or "postgres"
            password = env.get("POSTGRES_PASSWORD", "")
            secret = f":{password}" if password else ""
            database = env.get("POSTGRES_DB") or user
            urls["postgres"] = (
                f"postgresql://{user}{secret}@127.0.0.1:{self.ports['postgres']}/{database}"
            )
        if "redis" in self.ports:
            urls["redis"] = f"redis://127.0.0.1:{self.ports['redis']}/0"
        return urls

    def _wait_ready(self) -> None:
        url = absolute(self.base_url, self.target.ready_path)
        deadline = time.monotonic() + self.ready_timeout
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                status = httpx.get(url, timeout=2).status_code
                if status == self.target.ready_status:
                    return
                last = f"status {status}"
            except httpx.HTTPError as exc:
                last = str(exc) or type(exc).__name__
            time.sleep(0.3)
        service = self.target.compose.service
        assert self.project is not None
        log = self.project.save_logs([service])[0]
        raise StackStartError(
            f"{url} did not answer {self.target.ready_status} within {self.ready_timeout:g} s "
            f"(last: {last}); read {log}.",
            hint=f"last lines of the {service} log:\n{log_tail(log)}",
        )

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        with self._lock:
            project, self.project = self.project, None
            if project is None:
                return
            try:
                project.save_logs()
                project.down(self.stop_timeout)
            finally:
                docker.remove_project(project.name)
                self._collect_coverage()

    def _collect_coverage(self) -> None:
        measured, self.coverage = self.coverage, None
        if measured is None:
            return
        try:
            measured.collect()
        except (coverage.CoverageException, OSError) as exc:
            print(f"signoff: the containers' coverage was not combined: {exc}", file=sys.stderr)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...]
        env = dict(item.split("=", 1) for item in env if "=" in item)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}
