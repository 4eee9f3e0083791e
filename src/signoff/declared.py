"""What users name in their configuration: their own layers and their sign-off profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from signoff.errors import ConfigError

LayerKind = Literal["pytest", "playwright", "locust", "command"]


@dataclass(frozen=True)
class LayerSpec:
    """`[tool.signoff.layers.<name>]`: a suite of the user's own, run as a layer.

    pytest and playwright: `paths` collected by pytest with signoff's plugin (the `stack` and
    `api_client` fixtures; playwright adds the browser and flaky detection). locust: the load
    layer with the locustfile in `paths[0]`. command: `command` runs; its exit code is the
    verdict, and a JUnit file it writes (`junit`, relative to the layer's folder) is read.
    `stack = "own"` (pytest): the harness starts a stack for the suite, and `env` values may
    name its placeholders (`{postgres_url}`, `{base_url}`, ... as in `[target.env]`).
    """

    kind: LayerKind
    description: str = ""
    paths: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # "auto": as the kind needs (a pytest suite starts one through its `stack` fixture);
    # "own": the harness starts a stack for the layer and fills its placeholders into `env`
    stack: Literal["auto", "own"] = "auto"
    # whose coverage the layer collects: the service's processes, the test process, or none
    coverage: Literal["service", "tests", "none"] = "service"
    junit: str = ""
    timeout_s: float = 1800.0
    # needs the scheduler honours beside the kind's own: it times things (runs alone), or it
    # combines the other layers' evidence (runs after all of them)
    exclusive_cpu: bool = False
    after_all: bool = False
    # the suite's own settings, read by its fixtures (e.g. error budgets of fault tests)
    settings: dict[str, Any] = field(default_factory=dict)

    def check(self, where: str) -> None:
        if self.kind == "command" and not self.command:
            raise ConfigError(f"'{where}.command' is needed for a layer of kind \"command\".")
        if self.stack == "own" and self.kind != "pytest":
            raise ConfigError(
                f'\'{where}.stack\' is "own", which only a layer of kind "pytest" takes.',
                hint="drop it, or start what the layer needs from its own command.",
            )
        if self.kind != "command" and not self.paths:
            raise ConfigError(f"'{where}.paths' is needed for a layer of kind {self.kind!r}.")


@dataclass(frozen=True)
class Profile:
    """`[tool.signoff.profiles.<name>]`: the layers a sign-off runs, those that must PASS, and
    the settings that differ in its runs."""

    layers: list[str]
    required: list[str] = field(default_factory=list)
    description: str = ""
    # sections laid over the rest of the configuration in runs of this profile, e.g.
    # `settings.fuzz = { max_examples = 20 }` for a shorter fuzz on pull requests
    settings: dict[str, Any] = field(default_factory=dict)

    def check(self, where: str) -> None:
        extra = [name for name in self.required if name not in self.layers]
        if extra:
            raise ConfigError(f"'{where}.required' names {extra[0]!r}, which is not in its layers.")
