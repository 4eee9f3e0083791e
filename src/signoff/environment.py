"""The environment fingerprint of a run: machine, OS, Python, tools, provider, stack version.

Two runs are only comparable when the parts of their fingerprints that move timings agree
(`signoff.judge.fingerprint`); the rest is recorded so a reader can tell what was measured.
"""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from signoff.config import Config
from signoff.records import LayerRecord
from signoff.stack.select import chosen

# Tools whose versions change what the layers measure; recorded when installed.
TOOLS = (
    "signoff",
    "pytest",
    "coverage",
    "locust",
    "pytest-benchmark",
    "playwright",
    "schemathesis",
    "bandit",
    "pip-audit",
    "scipy",
    "httpx",
)
_ADVISORY_KEYS = ("advisory_snapshot", "advisory_db_date", "advisory_date", "advisory_source")


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else (platform.processor() or "unknown")


def _memory_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return round(int(found.group(1)) / 1024**2, 1) if found else None


def _tool_versions(records: Iterable[LayerRecord]) -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    for record in records:  # what the layers say they ran wins over what is installed now
        versions.update({str(k): str(v) for k, v in record.tools.items()})
    return dict(sorted(versions.items()))


def _target_version(config: Config) -> str | None:
    """`__version__` of the target's first coverage package, read from its source."""
    for package in config.target.coverage_packages[:1]:
        for folder in [config.root, *(config.root / p for p in config.target.python_path)]:
            init = folder / package.replace(".", "/") / "__init__.py"
            try:
                text = init.read_text(encoding="utf-8")
            except OSError:
                continue
            found = re.search(r'__version__\s*=\s*"([^"]+)"', text)
            return found.group(1) if found else None
    return None


def _advisory_snapshot(records: Iterable[LayerRecord]) -> str | None:
    for record in records:
        for key in _ADVISORY_KEYS:
            value = record.figures.get(key)
            if isinstance(value, dict):  # the audit layer describes its snapshot as a table
                value = value.get("snapshot_date")
            if value:
                return str(value)
    return None


def _stacks(run_dir: Path | None) -> list[dict[str, Any]]:
    """The stack descriptions the containers provider leaves beside its logs
    (`<layer>/stack-logs/stack.json`): the provider and the image each component ran."""
    found = []
    for path in sorted(run_dir.glob("*/stack-logs/stack.json")) if run_dir else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append(data)
    return found


def _provider(config: Config, plan: Mapping[str, Any] | None, stacks: list[dict[str, Any]]) -> str:
    if plan and plan.get("provider"):
        return str(plan["provider"])
    if stacks and stacks[0].get("provider"):  # what the layers' stacks say they were
        return str(stacks[0]["provider"])
    return chosen(config).name


def _images(stacks: list[dict[str, Any]]) -> dict[str, str]:
    images: dict[str, str] = {}
    for stack in stacks:
        found = stack.get("images")
        if isinstance(found, dict):
            images.update({str(k): str(v) for k, v in found.items()})
    return dict(sorted(images.items()))


def fingerprint(
    config: Config,
    records: list[LayerRecord],
    plan: Mapping[str, Any] | None = None,
    run_dir: Path | None = None,
) -> dict[str, Any]:
    """The fingerprint of this machine and of what the records say they ran."""
    uname = platform.uname()
    stacks = _stacks(run_dir)
    images = _images(stacks)
    return {
        "machine": {
            "arch": uname.machine,
            "cpu_model": _cpu_model(),
            "cpus": os.cpu_count() or 0,
            "memory_gib": _memory_gib(),
            "hostname": uname.node,
        },
        "os": {"system": uname.system, "release": uname.release, "platform": platform.platform()},
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "tools": _tool_versions(records),
        "provider": _provider(config, plan, stacks),
        **({"stack_images": images} if images else {}),
        "target": config.target.name,
        "stack_version": _target_version(config),
        "advisory_snapshot": _advisory_snapshot(records),
    }
