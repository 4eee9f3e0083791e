"""Coverage of the target's Python processes inside their containers, with the image unchanged.

A compose service built from the user's source whose command starts a Python interpreter runs
instead as `python -m coverage run --rcfile=<the run's rcfile> <its own arguments>`. The override
mounts this machine's `coverage` package read-only and a data folder of the run (writable by the
image's user); the interpreter finds the package through PYTHONPATH, put before the image's own.
The image's Python must be the same CPython minor version as this one (coverage's C tracer and
the data format), which is how a Python image of the target's own version is.

Coverage's `sigterm = true` saves the data when compose stops the container. After teardown the
data files are combined into one file of the run's coverage folder, with the source root inside
the image (its WORKDIR unless given) mapped to the service's build context on this machine, so
the coverage gate combines it like the data of the local provider's processes.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import coverage

from signoff import covrc
from signoff.stack import docker
from signoff.target import Target

PACKAGE_MOUNT = "/opt/signoff-coverage/lib"
DATA_MOUNT = "/opt/signoff-coverage/data"
PYTHONS = ("python", "python3")


@dataclass(frozen=True)
class Measured:
    """A service whose Python process is measured: its command, and where its source is."""

    service: str
    argv: list[str]
    inside_root: str
    host_root: Path
    pythonpath: str


def is_python(program: str) -> bool:
    name = program.rsplit("/", 1)[-1]
    return name in PYTHONS or (name.startswith("python3.") and name[8:].isdigit())


def _argv(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(value)
    return [str(part) for part in value]


def _env(entries: Any) -> dict[str, str]:
    if isinstance(entries, dict):
        return {str(k): "" if v is None else str(v) for k, v in entries.items()}
    pairs = (str(item).split("=", 1) for item in entries or [] if "=" in str(item))
    return dict(pairs)


def _context(build: Any) -> str:
    return str(build if isinstance(build, str) else (build or {}).get("context", "."))


def plan(
    name: str, service: dict[str, Any], image: dict[str, Any], source_root: str = ""
) -> Measured | None:
    """How `service`, run from `image` (as `docker image inspect` describes it), is measured;
    None when its command does not start a Python interpreter it can be wrapped around."""
    config = image.get("Config") or {}
    entrypoint = _argv(service.get("entrypoint", config.get("Entrypoint")))
    command = _argv(service.get("command") or config.get("Cmd"))
    argv = [*entrypoint, *command]
    if len(argv) < 2 or not is_python(argv[0]):
        return None
    if argv[1].startswith("-") and argv[1] != "-m":
        return None  # interpreter options before the program: not a form coverage run takes
    inside = source_root or service.get("working_dir") or config.get("WorkingDir") or "/"
    env = {**_env(config.get("Env")), **_env(service.get("environment"))}
    pythonpath = os.pathsep.join(filter(None, [PACKAGE_MOUNT, env.get("PYTHONPATH", "")]))
    return Measured(name, argv, str(inside), Path(_context(service.get("build"))), pythonpath)


class ContainerCoverage:
    """The coverage of one compose project's services, from override to combined data file."""

    def __init__(self, target: Target, coverage_dir: Path, log_dir: Path, project: str) -> None:
        self.target = target
        self.coverage_dir = coverage_dir
        self.project = project
        self.data_dir = log_dir / "coverage"
        self.measured: list[Measured] = []
        self.written: Path | None = None  # the rcfile the services run with, once written

    def rcfile(self) -> Path:
        """The run's rcfile in the data folder, with the inside roots mapped to this machine's."""
        path = covrc.rcfile(self.data_dir, self.target)
        lines = ["", "[paths]"]
        for index, item in enumerate(self.measured):
            lines += [f"source{index} =", f"    {item.host_root}", f"    {item.inside_root}"]
        with path.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        self.written = path
        return path

    def wrap(self, services: dict[str, Any], override: dict[str, Any], source_root: str) -> bool:
        """Change `override` (built images in place) so the services built from the user's
        source run their Python under coverage; False when none of them runs Python."""
        entries = override["services"]
        names = {name: str(entry["image"]) for name, entry in entries.items() if "image" in entry}
        images = images_of(services, names)
        found = [
            plan(name, service, images.get(name, {}), source_root)
            for name, service in services.items()
            if service.get("build")
        ]
        measured = [item for item in found if item is not None]
        for name, extra in self.override(measured).items():
            entry = entries[name]
            entry["environment"] = {**(entry.get("environment") or {}), **extra.pop("environment")}
            entry.update(extra)
        return bool(measured)

    def override(self, measured: list[Measured]) -> dict[str, dict[str, Any]]:
        """The override entries of the measured services (merged into the provider's)."""
        self.measured = measured
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o1777)  # the image's user, whoever it is, writes its data here
        rc = self.rcfile()
        package = Path(coverage.__file__).parent
        entries: dict[str, dict[str, Any]] = {}
        for item in measured:
            python, *rest = item.argv
            entries[item.service] = {
                "entrypoint": [python],
                "command": ["-m", "coverage", "run", f"--rcfile={DATA_MOUNT}/{rc.name}", *rest],
                "environment": {
                    "PYTHONPATH": item.pythonpath,
                    "COVERAGE_FILE": f"{DATA_MOUNT}/.coverage.{item.service}",
                },
                "volumes": [
                    f"{package}:{PACKAGE_MOUNT}/coverage:ro",
                    f"{self.data_dir}:{DATA_MOUNT}",
                ],
            }
        return entries

    def collect(self) -> Path | None:
        """Combine the services' data files (their paths mapped to this machine) into one
        data file of the run's coverage folder; None when no service saved any."""
        parts = sorted(str(p) for p in self.data_dir.glob(".coverage.*"))
        if not parts:
            return None
        self.coverage_dir.mkdir(parents=True, exist_ok=True)
        combined = self.coverage_dir / f".coverage.containers.{self.project}"
        cov = coverage.Coverage(
            data_file=str(combined),
            data_suffix=False,
            config_file=str(self.written or self.rcfile()),
        )
        cov.combine(parts, keep=True)
        cov.save()
        return combined


def images_of(services: dict[str, Any], names: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`docker image inspect` of each service's image, by service; `names` gives the image
    name of services the override names."""
    found: dict[str, dict[str, Any]] = {}
    for name, service in services.items():
        reference = service.get("image") or names.get(name)
        described = docker.inspect("image", [str(reference)]) if reference else []
        if described:
            found[name] = described[0]
    return found
