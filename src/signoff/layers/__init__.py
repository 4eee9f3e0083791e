"""The layers signoff can run, by name: built-in layers, the user's declared layers
(`[tool.signoff.layers.<name>]`) and third-party layers (the `signoff.layers` entry points).

A layer is one `Layer` value: its name, one line on what it does, its work and what it needs.
The work takes a `LayerContext` and returns `Evidence`; `signoff.layers.run.run_layer` does
the rest the same way for every layer (folder, clock, stack, errors, judging, record).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from signoff.config import Config
from signoff.declared import LayerSpec
from signoff.errors import UsageError
from signoff.records import Evidence, LayerRecord
from signoff.stack.interface import StackHandle

if TYPE_CHECKING:
    from signoff.layers.shared import SharedStacks

ENTRY_POINTS = "signoff.layers"
StackNeed = Literal["none", "own", "shared-read-only"]


@dataclass(frozen=True)
class LayerContext:
    """What a layer's work gets: its name, the run, the config, the sign-off profile, the
    user's arguments, the stack choice (`--stack`, `--base-url`, the service's environment)
    and, when the harness started a stack for the work, its handle. `shared`: the run's
    stacks for read-only layers (None: each layer starts its own, as `signoff layer` does)."""

    run_dir: Path
    config: Config
    profile: str
    args: list[str] = field(default_factory=list)
    stack: str | None = None
    base_url: str | None = None
    name: str = ""
    handle: StackHandle | None = None
    service_env: dict[str, str] = field(default_factory=dict)
    shared: SharedStacks | None = None

    @property
    def folder(self) -> Path:
        """The layer's own folder in the run: its raw artifacts and its record."""
        return self.run_dir / self.name

    @property
    def spec(self) -> LayerSpec | None:
        """The declaration of a user's layer (None for a built-in one)."""
        return self.config.layers.get(self.name)


# A layer's work: its evidence (a third-party layer may still return a whole record).
Work = Callable[[LayerContext], Evidence | LayerRecord]


@dataclass(frozen=True)
class Layer:
    """One layer, as the harness and the scheduler see it.

    `stack`: "none"; "own" (a stack no other layer uses: the layer writes or measures); or
    "shared-read-only" (it only reads, so its stack may be shared). `exclusive_cpu`: it times
    things and must run alone. `after_all`: it combines the other layers' evidence (coverage),
    so it runs after every other layer of the run. `after_recordings`: it replays the requests
    the other layers recorded (`signoff.recording`), so it runs after them but before the
    `after_all` ones (its stack's coverage counts). `browser`: it drives Chromium. The harness
    starts the stack
    and hands its handle to the work, unless `stack_in_child` (a pytest session starts its own
    through the `stack` fixture) or `stack_when` says the config needs none; with
    `service_coverage` the embedded service's coverage is collected into the run.
    """

    name: str
    description: str
    work: Work
    stack: StackNeed = "none"
    exclusive_cpu: bool = False
    after_all: bool = False
    after_recordings: bool = False
    browser: bool = False
    stack_in_child: bool = False
    service_coverage: bool = False
    stack_when: Callable[[Config], bool] | None = None

    def starts_stack(self, config: Config) -> bool:
        """Whether the harness brings a stack up for this layer's work."""
        if self.stack == "none" or self.stack_in_child:
            return False
        return self.stack_when is None or self.stack_when(config)


# name -> the module whose `LAYER` it is: a new built-in layer is its module and one line here
BUILTIN: dict[str, str] = {
    "smoke": "signoff.layers.smoke",
    "fuzz": "signoff.layers.fuzz",
    "audit": "signoff.layers.audit",
    "coverage": "signoff.layers.coverage",
    "load": "signoff.layers.load",
    "bench": "signoff.layers.bench",
    "authz": "signoff.layers.authz",
    "faults": "signoff.layers.faults",
    "queries": "signoff.layers.queries",
    "roundtrip": "signoff.layers.roundtrip",
    "lists": "signoff.layers.lists",
}
# the module of each kind of declared layer: its `LAYER` gives the work and the needs
KINDS: dict[str, str] = {
    "pytest": "signoff.layers.pytest_layer",
    "playwright": "signoff.layers.e2e",
    "locust": "signoff.layers.load",
    "command": "signoff.layers.command",
}


def _defined(module: str, name: str) -> Layer:
    found = importlib.import_module(module).LAYER
    if not isinstance(found, Layer):
        raise TypeError(f"{module}.LAYER is not a signoff.layers.Layer")
    return replace(found, name=name)  # the registry's name is the layer's name


def _declared(name: str, spec: LayerSpec) -> Layer:
    text = spec.description or f"{spec.kind} layer: {', '.join(spec.paths)}"
    kind = _defined(KINDS[spec.kind], name)
    # a declaration may add needs to its kind's (a command that times things), never drop them
    found = replace(
        kind,
        description=text,
        exclusive_cpu=kind.exclusive_cpu or spec.exclusive_cpu,
        after_all=kind.after_all or spec.after_all,
    )
    if spec.stack == "own":  # the harness starts it, measuring the service when asked
        found = replace(
            found, stack="own", stack_in_child=False, service_coverage=spec.coverage == "service"
        )
    return found


def _plugin(name: str, value: str, loaded: object) -> Layer:
    """An entry point names a `Layer`, or only its work (`run(ctx)`, the older form)."""
    if isinstance(loaded, Layer):
        return replace(loaded, name=name)
    if not callable(loaded):
        raise UsageError(f"The plugin layer {name!r} ({value}) is neither a Layer nor a function.")
    return Layer(name, f"plugin layer ({value})", loaded)


def _plugins() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINTS)}


def available(config: Config) -> dict[str, str]:
    """Every layer name with its description: declared ones first shadow nothing built in."""
    found = {name: _defined(module, name).description for name, module in BUILTIN.items()}
    for name, spec in config.layers.items():
        found[name] = _declared(name, spec).description
    for name, value in _plugins().items():
        found.setdefault(name, f"plugin layer ({value})")
    return found


def find(name: str, config: Config) -> Layer:
    """The layer called `name`, or a clear error for an unknown one."""
    if name in config.layers:
        if name in BUILTIN:
            raise UsageError(
                f"The declared layer {name!r} has the name of a built-in layer.",
                hint="give your layer another name in [tool.signoff.layers].",
            )
        return _declared(name, config.layers[name])
    if name in BUILTIN:
        return _defined(BUILTIN[name], name)
    for ep in entry_points(group=ENTRY_POINTS, name=name):
        return _plugin(name, ep.value, ep.load())
    known = ", ".join(available(config))
    raise UsageError(f"There is no layer named {name!r} (known: {known}).")
