"""The Docker engine and compose CLI the containers provider drives, and the reaper of what a
killed run left.

signoff never starts an engine: it uses the one `DOCKER_HOST` (or the default socket) names and
says so in well under a second when none answers. Compose runs through its CLI, the v2 plugin
(`docker compose`) when installed, else the standalone `docker-compose`; both understand the
commands used here. Every container, network and volume of a run carries the labels below, so a
later start can find and remove what a SIGKILLed run left behind, the way Ryuk does.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from signoff import children
from signoff.errors import ProviderUnavailable, StackStartError
from signoff.stack.reap import start_time

PING_TIMEOUT = 0.3
LABEL = "org.signoff.stack"  # value: the compose project of the run
# value: "<hostname>:<pid>:<start time>" of the process that started it (a PID alone is reused)
OWNER = "org.signoff.owner"
PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"


def docker_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return host.removeprefix("unix://")


def engine_answers(timeout: float = PING_TIMEOUT) -> str | None:
    """None when a Docker engine answers /_ping; otherwise why not, in one sentence."""
    path = docker_socket()
    if path.startswith(("tcp://", "http://", "https://")):
        try:
            url = path.replace("tcp://", "http://", 1)
            ok = httpx.get(f"{url}/_ping", timeout=timeout).text == "OK"
        except httpx.HTTPError as exc:
            return f"No Docker engine answers at {path} ({exc})."
        return None if ok else f"The Docker engine at {path} did not answer OK to /_ping."
    if not os.path.exists(path):
        return f"No Docker engine: the socket {path} does not exist."
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(256)
    except OSError as exc:
        return f"No Docker engine answers at {path} ({exc.strerror or exc})."
    if b" 200 " not in reply.split(b"\r\n", 1)[0]:
        return f"The Docker engine at {path} did not answer /_ping with 200."
    return None


def compose_cli() -> list[str]:
    """The compose command line: the v2 plugin when the docker CLI has it, else docker-compose."""
    if shutil.which("docker") is None:
        raise ProviderUnavailable(
            "The containers provider needs the docker CLI, which is not on PATH.",
            hint="install Docker (Debian: apt-get install -y docker.io).",
        )
    plugin = children.run(["docker", "compose", "version"], capture=True)
    if plugin.returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise ProviderUnavailable(
        "The containers provider needs compose: neither `docker compose` nor `docker-compose` "
        "is installed.",
        hint="install the compose plugin, or on Debian: apt-get install -y docker-compose.",
    )


def owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{start_time(pid)}"


def run(
    argv: Sequence[str],
    timeout: float,
    env: Mapping[str, str] | None = None,
    what: str = "",
    check: bool = True,
) -> children.CompletedProcess[str]:
    """Run a docker or compose command; a failure is a StackStartError that quotes its output."""
    try:
        done = children.run(argv, capture=True, timeout=timeout, env=env)
    except children.TimeoutExpired:
        raise StackStartError(
            f"{what or ' '.join(argv[:3])} did not finish within {timeout:g} s."
        ) from None
    if check and done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip())[-600:]
        raise StackStartError(
            f"{what or ' '.join(argv[:3])} failed (code {done.returncode}): {detail}",
        )
    return done


def inspect(kind: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    """`docker <kind> inspect` of `ids` as parsed JSON ([] for none)."""
    if not ids:
        return []
    done = run(["docker", kind, "inspect", *ids], 30, check=False)
    try:
        found = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return []
    return found if isinstance(found, list) else []


def _listed(kind: str, label: str) -> list[str]:
    argv = ["docker", kind, "ls", "-q", "--filter", f"label={label}"]
    if kind == "container":
        argv.insert(3, "-a")
    return run(argv, 30, check=False).stdout.split()


def remove_project(project: str) -> None:
    """Remove every container (with its anonymous volumes), network and volume of `project`."""
    label = f"{PROJECT}={project}"
    containers = sorted({*_listed("container", label), *_listed("container", f"{LABEL}={project}")})
    if containers:
        run(["docker", "rm", "-f", "-v", *containers], 120, check=False)
    for kind in ("network", "volume"):
        found = sorted({*_listed(kind, label), *_listed(kind, f"{LABEL}={project}")})
        if found:
            run(["docker", kind, "rm", *found], 60, check=False)


def abandoned_projects() -> list[str]:
    """Projects whose starting process on this machine no longer exists."""
    labels: dict[str, str] = {}
    for kind in ("container", "network", "volume"):
        for item in inspect(kind, _listed(kind, LABEL)):
            found = (item.get("Config") or {}).get("Labels") or item.get("Labels") or {}
            if LABEL in found:
                labels[found[LABEL]] = found.get(OWNER, "")
    gone = []
    for project, who in labels.items():
        host, _, rest = who.partition(":")
        pid, _, started = rest.partition(":")
        mine = host == socket.gethostname() and pid.isdigit()
        if mine and str(start_time(int(pid))) != started:
            gone.append(project)
    return sorted(gone)


def reap() -> list[str]:
    """Remove what killed runs on this machine left; the projects removed."""
    projects = abandoned_projects()
    for project in projects:
        remove_project(project)
    return projects
