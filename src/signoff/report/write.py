"""Write every rendering of a run's results into its run directory, all or nothing.

The reports sit beside the evidence they link to, readable by everyone (0644) like any
other file of the run; evidence from outside the run is copied in first (see `links`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from signoff.config import Config
from signoff.history.remember import remember
from signoff.report import links
from signoff.report.html import HtmlRenderer
from signoff.report.interface import Renderer
from signoff.report.json import JsonRenderer
from signoff.report.junit import JunitRenderer
from signoff.report.markdown import MarkdownRenderer
from signoff.report.model import collect
from signoff.report.results import Results, build

MODE = 0o644


def renderers(config: Config) -> dict[str, Renderer]:
    cap = config.report.max_markdown_bytes
    return {
        "md": MarkdownRenderer(cap),
        "html": HtmlRenderer(),
        "junit": JunitRenderer(),
        "json": JsonRenderer(),
    }


def write_all(
    run_dir: Path, config: Config, profile: str | None = None, baseline: Path | str | None = None
) -> tuple[Results, dict[str, Path]]:
    """Build the results, render all formats, then move them into place together."""
    if run_dir.is_dir():
        links.copy_outside(
            run_dir, [item.record for item in collect(run_dir, config, profile).layers]
        )
    results = build(run_dir, config, profile, baseline)
    results = remember(results, config)  # the run store: once per run id
    rendered = {key: (r.suffix, r.format(results)) for key, r in renderers(config).items()}
    paths: dict[str, Path] = {}
    staged: list[tuple[str, Path]] = []
    try:
        for key, (suffix, text) in rendered.items():
            fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=".report-", suffix=suffix)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                os.fchmod(handle.fileno(), MODE)  # mkstemp makes 0600
            staged.append((tmp, run_dir / f"report{suffix}"))
            paths[key] = run_dir / f"report{suffix}"
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
    return results, paths
