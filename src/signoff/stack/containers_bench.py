"""Figures of the containers provider: its cold start beside the embedded stack's, and how long
the images take to build from nothing.

    python -m signoff.stack.containers_bench [--runs N] [--images]

A cold start is `start()` until the handle is returned (healthy, ready, credential made), with
every image already built; `stop()` is timed apart. `--images` first removes the locally built
base images and the service image and builds them again: base images with the project's
`scripts/base-images.sh`, the service image with the compose build of a first start (both need
the engine of `scripts/docker-engine.sh`).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from signoff import children
from signoff import config as config_mod
from signoff.errors import SignoffError, fatal
from signoff.stack import docker
from signoff.stack.containers import ContainersProvider
from signoff.stack.interface import StackProvider
from signoff.stack.local import LocalProvider


def _timed(provider: StackProvider) -> tuple[float, float]:
    began = time.perf_counter()
    provider.start()
    up = time.perf_counter() - began
    began = time.perf_counter()
    provider.stop()
    return up, time.perf_counter() - began


def _report(name: str, figures: list[tuple[float, float]]) -> None:
    starts = [up for up, _ in figures]
    stops = [down for _, down in figures]
    print(
        f"{name:10} cold start median {statistics.median(starts):6.2f} s "
        f"(min {min(starts):.2f}, max {max(starts):.2f}); "
        f"stop median {statistics.median(stops):.2f} s; {len(figures)} runs",
        flush=True,
    )


def build_images(cfg: config_mod.Config, logs: Path) -> None:
    """Remove the local images and build them again, printing each build's duration."""
    script = cfg.root / "scripts" / "base-images.sh"
    began = time.perf_counter()
    children.run([str(script), "--rebuild"], check=True)
    base = time.perf_counter() - began
    built = f"signoff/{cfg.target.name}-"
    names = docker.run(["docker", "image", "ls", "--format", "{{.Repository}}"], 30).stdout
    for name in {n for n in names.split() if n.startswith(built)}:
        docker.run(["docker", "image", "rm", "-f", name], 60, check=False)
    docker.run(["docker", "builder", "prune", "-af"], 120, check=False)
    provider = ContainersProvider(cfg.target, cfg.root, logs / "build")
    service, _ = _timed(provider)
    up = provider.timings.get("up", service)
    print(f"images     base images from nothing {base:.1f} s (debootstrap + 3 builds)", flush=True)
    print(
        f"images     service image (pip install of the pins) and first start {service:.1f} s "
        f"(compose up with the build {up:.1f} s)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m signoff.stack.containers_bench")
    parser.add_argument("--runs", type=int, default=3, help="cold starts per provider")
    parser.add_argument("--images", action="store_true", help="also build images from nothing")
    args = parser.parse_args(argv)
    try:
        cfg = config_mod.load(Path.cwd())
        reason = docker.engine_answers()
        if reason:
            raise SignoffError(reason, hint='eval "$(scripts/docker-engine.sh start)"')
        logs = Path(tempfile.mkdtemp(prefix="signoff-bench-containers-"))
        if args.images:
            build_images(cfg, logs)
        else:  # the first start builds the service image if it is missing; not a cold figure
            _timed(ContainersProvider(cfg.target, cfg.root, logs / "warm"))
        local = [
            _timed(
                LocalProvider(
                    cfg.target,
                    cfg.root,
                    logs / f"local-{i}",
                    ready_timeout=cfg.stack.ready_timeout,
                )
            )
            for i in range(args.runs)
        ]
        containers = [
            _timed(ContainersProvider(cfg.target, cfg.root, logs / f"containers-{i}"))
            for i in range(args.runs)
        ]
    except SignoffError as exc:
        fatal(exc)
    _report("local", local)
    _report("containers", containers)
    print(f"logs in {logs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
