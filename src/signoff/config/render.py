"""A configuration rendered as TOML again, for `signoff config`."""

from __future__ import annotations

from typing import Any

from signoff.config.files import Table
from signoff.target import PLACEHOLDERS


def dumps(values: Table) -> str:
    """Render a configuration as TOML, for `signoff config`."""
    lines: list[str] = ["[tool.signoff]"]
    scalars = {k: v for k, v in values.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in values.items() if isinstance(v, dict)}
    lines.extend(f"{k} = {_toml_value(v)}" for k, v in scalars.items())
    for name, table in tables.items():
        _dump_table(lines, f"tool.signoff.{name}", table)
    return "\n".join(lines) + "\n"


def _dump_table(lines: list[str], name: str, table: Table) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, dict)]
    if scalars or not table:
        lines.append("")
        if name == "tool.signoff.target":  # what its commands and env may name
            lines.extend(f"# {{{key}}}: {text}" for key, text in PLACEHOLDERS.items())
        lines.append(f"[{name}]")
    lines.extend(f"{key} = {_toml_value(value)}" for key, value in scalars)
    for key, value in table.items():
        if isinstance(value, dict):
            _dump_table(lines, f"{name}.{key}", value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    return repr(value)
