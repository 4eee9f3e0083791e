"""A service adopted as a user would: copied to a folder of its own, `signoff init` and the
configuration a walkthrough of docs/your-service.md adds, then `signoff` run there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from signoff.config import deep_merge, dumps
from tests.conftest import ADVISORIES, ROOT

WALKTHROUGH = ROOT / "docs" / "your-service.md"


def added_configuration(mark: str) -> str:
    """The walkthrough's TOML block that starts with `mark`, in signoff.toml form."""
    text = WALKTHROUGH.read_text(encoding="utf-8")
    found: list[str] = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    blocks = [block for block in found if block.startswith(mark)]
    assert len(blocks) == 1, f"{WALKTHROUGH.name} needs one ```toml block opening {mark!r}"
    return blocks[0].replace("[tool.signoff.", "[")


def configuration_lines(toml: str) -> int:
    return sum(1 for line in toml.splitlines() if line.strip() and not line.startswith("#"))


def signoff(project: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "signoff", *args],
        cwd=project,
        env={**os.environ, "SIGNOFF_ADVISORY_DB": str(ADVISORIES), **(env or {})},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def write_configuration(folder: Path, starter: dict[str, Any], *added: dict[str, Any]) -> None:
    """signoff.toml: the starter with each of `added` laid over it in turn."""
    values = starter
    for more in added:
        values = deep_merge(values, more)
    text = dumps(values).replace("[tool.signoff]", "", 1).replace("tool.signoff.", "")
    (folder / "signoff.toml").write_text(text, encoding="utf-8")


def records(run: Path) -> dict[str, dict[str, Any]]:
    return {
        p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in run.glob("*/record.json")
    }


def suite_database(junit: Path) -> str:
    """Where the suite's own test found its database (a property it records)."""
    found = [p.get("value", "") for p in ET.parse(junit).iter("property")]
    return next((v for v in found if v.startswith("signoff@")), f"no database in {found}")


def starter(folder: Path) -> dict[str, Any]:
    """`signoff init openapi.json` in `folder`: the starter it wrote."""
    done = signoff(folder, "init", "openapi.json", "--force")
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = tomllib.loads((folder / "signoff.toml").read_text(encoding="utf-8"))
    return found


def vulnerable_pin_fails_the_audit(project: Path, lockfile: str) -> None:
    """starlette 0.26.1 (PYSEC-2023-83, CVE-2023-29159 in the snapshot, fixed in 0.27.0) put in
    place of the locked 1.10.0: `signoff layer audit` FAILS naming both."""
    lock = project / lockfile
    kept = lock.read_text(encoding="utf-8")
    pinned = 'name = "starlette"\nversion = "1.10.0"'
    assert pinned in kept
    lock.write_text(kept.replace(pinned, pinned.replace("1.10.0", "0.26.1")), encoding="utf-8")
    try:
        done = signoff(project, "layer", "audit")
    finally:
        lock.write_text(kept, encoding="utf-8")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    record = records((project / "reports" / "latest").resolve())["audit"]
    assert record["status"] == "FAIL"
    found = json.dumps(record["checks"])
    assert "starlette" in found, record["reasons"]
    assert "PYSEC-2023-83" in found, record["reasons"]
