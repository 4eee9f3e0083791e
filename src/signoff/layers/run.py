"""The one function that runs every layer, as pytest's runner runs every test: the layer's
folder, the clock, the stack it asks for (always torn down), its work, an exception turned
into an INCONCLUSIVE record, the one judging rule, and the record written.
"""

from __future__ import annotations

import traceback
from dataclasses import replace
from pathlib import Path

from signoff.errors import SignoffError, UsageError
from signoff.layers import Layer, LayerContext, find
from signoff.layers.shared import logs as shared_logs
from signoff.leaks.guard import Guard, saved
from signoff.records import Clock, Evidence, LayerRecord, Status, inconclusive, write_record
from signoff.rundir import layer_dir
from signoff.stack.interface import StackProvider
from signoff.stack.select import choose_provider, chosen

__all__ = ["error_record", "run_layer", "stack_options"]

STACK_OPTIONS = ("--stack", "--base-url")
SERVICE_ENV = "--signoff-service-env="
ERROR_FILE = "error.txt"


def run_layer(ctx: LayerContext) -> LayerRecord:
    """Run the layer `ctx.name` into `ctx.run_dir`; return the record it wrote there.

    Whatever the work raises (a SignoffError, or any other exception, named with its type)
    becomes an INCONCLUSIVE record that says why; KeyboardInterrupt goes on, after the
    stack's teardown. An unknown name is a UsageError: there is no layer to give a record.
    """
    layer = find(ctx.name, ctx.config)
    folder = layer_dir(ctx.run_dir, layer.name)
    clock = Clock.start()
    try:
        record = _record(layer.name, _call(layer, ctx), clock)
    except Exception as exc:
        record = error_record(layer.name, folder, exc, clock)
    write_record(folder, record)
    return record


def _call(layer: Layer, ctx: LayerContext) -> Evidence | LayerRecord:
    """The layer's work, with a stack the harness brought up when the layer needs one."""
    if not layer.starts_stack(ctx.config):
        return saved(layer.work(ctx), ctx.folder)  # a pytest session's own stack saved its check
    ctx = stack_options(ctx)
    # the service's coverage is measured wherever signoff runs it: not in a deployment
    local = chosen(ctx.config, ctx.stack, ctx.base_url).name != "url"
    coverage = ctx.run_dir / "coverage" if local and measures_service(layer, ctx) else None

    def start(logs: Path) -> StackProvider:
        return choose_provider(
            ctx.config,
            logs,
            ctx.stack,
            ctx.base_url,
            coverage_dir=coverage,
            service_env=ctx.service_env or None,
        )

    if layer.stack == "shared-read-only" and ctx.shared is not None:
        key = (ctx.stack, ctx.base_url, coverage, tuple(sorted(ctx.service_env.items())))
        # the shared logs are read (not rewritten: the stack still writes them) with the
        # layer's folder; the shared stack redacts them once it has stopped
        with Guard(ctx.run_dir, ctx.folder, also=[shared_logs(ctx.run_dir)]) as guard:
            handle = guard.watch(ctx.shared.handle(key, ctx.run_dir, start))
            found = _on_shared(layer.work(replace(ctx, handle=handle)), ctx)
        return guard.checked(found)
    provider = start(ctx.folder / "stack-logs")
    # the guard leaves after the teardown: it reads the complete logs, then redacts them
    with Guard(ctx.run_dir, ctx.folder, provider.secrets) as guard, provider as handle:
        found = layer.work(replace(ctx, handle=guard.watch(handle)))
    return guard.checked(found)


def measures_service(layer: Layer, ctx: LayerContext) -> bool:
    """Whether the stack the harness starts for `layer` measures the service's coverage: when
    the layer asks for it and, in a run whose profile gates coverage, for every layer but
    those that time things (tracing slows the service their budgets judge)."""
    if layer.service_coverage:
        return True
    profile = ctx.config.profiles.get(ctx.profile)
    return not layer.exclusive_cpu and profile is not None and "coverage" in profile.layers


def _on_shared(found: Evidence | LayerRecord, ctx: LayerContext) -> Evidence | LayerRecord:
    """Evidence found on the run's shared stack links that stack's logs."""
    if not isinstance(found, Evidence):
        return found
    kept = str(shared_logs(ctx.run_dir).relative_to(ctx.run_dir))
    return replace(found, artifacts={**found.artifacts, "stack_logs": kept})


def _record(name: str, found: Evidence | LayerRecord, clock: Clock) -> LayerRecord:
    if isinstance(found, Evidence):
        return LayerRecord.judged(name, found, clock.times())
    if isinstance(found, LayerRecord):
        # A third-party layer's own record (it was checked against the rule when it was made).
        return replace(found, layer=name, **({} if found.started_at else clock.times()))
    raise TypeError(f"the work returned {type(found).__name__}, not Evidence or a LayerRecord")


def error_record(
    name: str, folder: Path, exc: Exception, clock: Clock | None = None
) -> LayerRecord:
    """The INCONCLUSIVE record of a layer whose work raised: the error in one sentence and,
    for an unexpected exception, its traceback kept beside the record."""
    times = clock.times() if clock else {}
    if isinstance(exc, SignoffError):
        reason = exc.message + (f" Tip: {exc.hint}" if exc.hint else "")
        return LayerRecord(name, Status.INCONCLUSIVE, exc.message, reasons=[reason], **times)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ERROR_FILE).write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    where = f"{folder.name}/{ERROR_FILE}"
    said = str(exc).strip().rstrip(".") or "no message"
    reason = f"The layer stopped on {type(exc).__name__}: {said}; its traceback is in {where}."
    return inconclusive(name, reason, artifacts={"error": where}, **times)


def stack_options(ctx: LayerContext) -> LayerContext:
    """`--stack`, `--base-url` and `--signoff-service-env=KEY=VALUE` given after the layer's
    name (`nox -s smoke -- --stack url --base-url URL`) choose the stack the harness starts;
    the other arguments stay the work's."""
    given: dict[str, str] = {}
    env = dict(ctx.service_env)
    rest: list[str] = []
    items = iter(ctx.args)
    for arg in items:
        name, sep, value = arg.partition("=")
        if name in STACK_OPTIONS:
            given[name] = value if sep else next(items, "")
        elif arg.startswith(SERVICE_ENV):
            key, sep, value = arg.removeprefix(SERVICE_ENV).partition("=")
            if not sep or not key:
                raise UsageError(f"{SERVICE_ENV}KEY=VALUE is needed, not {arg!r}.")
            env[key] = value
        else:
            rest.append(arg)
    return replace(
        ctx,
        args=rest,
        stack=given.get("--stack", ctx.stack),
        base_url=given.get("--base-url", ctx.base_url),
        service_env=env,
    )
