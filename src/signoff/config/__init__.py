"""Configuration: built-in defaults merged with `[tool.signoff]` (pyproject.toml) or signoff.toml.

Defaults live in `defaults/*.toml`, one file per section, so every threshold has a value a user
can see with `signoff config`; `load()` reads them with the project's file into a `Config`.
"""

from __future__ import annotations

from signoff.config.files import Table, deep_merge, defaults, find_config_file
from signoff.config.loader import Config, effective, load
from signoff.config.render import dumps

__all__ = [
    "Config",
    "Table",
    "deep_merge",
    "defaults",
    "dumps",
    "effective",
    "find_config_file",
    "load",
]
