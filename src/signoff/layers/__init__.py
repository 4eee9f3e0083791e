"""The layers signoff can run, by name: built-in layers, the user's declared layers
(`[tool.signoff.layers.<name>]`) and third-party layers (the `signoff.layers` entry points).

A runner is `run(ctx) -> LayerRecord`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from signoff.config import Config
from signoff.declared import LayerSpec
from signoff.errors import UsageError
from signoff.records import LayerRecord

ENTRY_POINTS = "signoff.layers"


@dataclass(frozen=True)
class LayerContext:
    """What a layer runner gets: its name, where to write, the config, the user's arguments."""

    run_dir: Path
    config: Config
    profile: str
    args: list[str] = field(default_factory=list)
    stack: str | None = None
    base_url: str | None = None
    name: str = ""

    @property
    def spec(self) -> LayerSpec | None:
        """The declaration of a user's layer (None for a built-in one)."""
        return self.config.layers.get(self.name)


class Runner(Protocol):
    def __call__(self, ctx: LayerContext) -> LayerRecord: ...


# name -> (module, one-line description)
BUILTIN: dict[str, tuple[str, str]] = {
    "smoke": (
        "signoff.layers.smoke",
        "Read-only smoke check: readiness, metrics, every read operation with and without a "
        "credential.",
    ),
    "fuzz": ("signoff.layers.fuzz", "Schemathesis property-based fuzzing of the OpenAPI document."),
    "audit": (
        "signoff.layers.audit",
        "Security: bandit, pip-audit (advisory database), live HTTP checks, waivers, score.",
    ),
    "coverage": ("signoff.layers.coverage", "Combine coverage data of every suite and gate it."),
    "load": ("signoff.layers.load", "Locust profiles (smoke, spike, soak, stress) on budgets."),
    "bench": ("signoff.layers.bench", "pytest-benchmark micro-benchmarks, raw samples kept."),
}
# the runner of each kind of declared layer
KINDS: dict[str, str] = {
    "pytest": "signoff.layers.pytest_layer",
    "playwright": "signoff.layers.e2e",
    "locust": "signoff.layers.load",
    "command": "signoff.layers.command",
}


def _plugins() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINTS)}


def available(config: Config) -> dict[str, str]:
    """Every layer name with its description: declared ones first shadow nothing built in."""
    found = {name: text for name, (_, text) in BUILTIN.items()}
    for name, spec in config.layers.items():
        found[name] = spec.description or f"{spec.kind} layer: {', '.join(spec.paths)}"
    for name, value in _plugins().items():
        found.setdefault(name, f"plugin layer ({value})")
    return found


def runner(name: str, config: Config) -> Runner:
    """The `run` function of a layer, or a clear error for an unknown name."""
    if name in config.layers:
        if name in BUILTIN:
            raise UsageError(
                f"The declared layer {name!r} has the name of a built-in layer.",
                hint="give your layer another name in [tool.signoff.layers].",
            )
        module = KINDS[config.layers[name].kind]
        found: Runner = importlib.import_module(module).run
        return found
    if name in BUILTIN:
        return importlib.import_module(BUILTIN[name][0]).run  # type: ignore[no-any-return]
    plugins = _plugins()
    if name in plugins:
        for ep in entry_points(group=ENTRY_POINTS, name=name):
            loaded: Runner = ep.load()
            return loaded
    known = ", ".join(available(config))
    raise UsageError(f"There is no layer named {name!r} (known: {known}).")
