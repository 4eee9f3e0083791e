"""The lists layer: every paged list of the OpenAPI document walked whole at several page sizes.

Each item (by its id field) must appear exactly once at every size, and as many items as any
total the service reports. Where writes are allowed, items are first added through the list's
documented POST so that every size spans several pages; otherwise what exists is walked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import httpx

from signoff import openapi
from signoff.layers import Layer, LayerContext
from signoff.layers.pytest_layer import relative
from signoff.paging.fill import example
from signoff.paging.find import Listing, listings
from signoff.paging.walk import Walk, Walker, id_field
from signoff.records import Check, Evidence, Status
from signoff.stack.interface import PROBE_LIMITS, StackHandle

SIZES = (3, 5, 10)  # page sizes walked, bounded by the parameter's own minimum and maximum
WANTED = 12  # items that give every size at least two pages
SHOWN = 5  # ids named in a message
COUNTING = 100  # the page size that counts what a list holds when its size has no maximum


@dataclass(frozen=True)
class Filled:
    """What a list held before the walks, what was added, and why not more ("" = enough)."""

    before: int
    created: list[str]
    note: str = ""


def page_sizes(listing: Listing, count: int) -> list[int]:
    """The sizes that give `count` items at least two pages (2 and 1 when a list is short),
    within the parameter's own bounds; one size when none can."""
    high = listing.max_size or max(SIZES)
    bounded = sorted({min(max(s, listing.min_size), high) for s in SIZES})
    sizes = [s for s in bounded if s < count]
    if len(sizes) < 2:
        sizes = sorted({*sizes, *(s for s in (1, 2) if listing.min_size <= s < count)})
    return sizes or [bounded[0]]


def fill(
    client: httpx.Client, handle: StackHandle, listing: Listing, before: int, document: Any
) -> Filled:
    """Add items through the documented POST until the list holds `WANTED` (when allowed)."""
    if before >= WANTED:
        return Filled(before, [])
    if not listing.creates:
        return Filled(before, [], "the list has no documented POST to add items with")
    if not handle.may_send(f"POST {listing.path}"):
        return Filled(before, [], "writes are not allowed on this stack")
    created: list[str] = []
    for index in range(before, WANTED):
        body = None if listing.create is None else example(document, listing.create, index)
        try:
            response = client.post(listing.path, json=body)
        except httpx.HTTPError as exc:
            return Filled(before, created, f"POST {listing.path} failed: {exc}")
        if response.status_code >= 300:
            said = response.text[:200]
            return Filled(
                before, created, f"POST {listing.path} answered {response.status_code}: {said}"
            )
        try:
            created.append(id_field(response.json()))  # "": no id to look for in the walks
        except ValueError:
            created.append("")
    return Filled(before, created)


def _ids(found: list[str]) -> str:
    return ", ".join(found[:SHOWN]) + (
        f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    )


def judge_walk(listing: Listing, walk: Walk, every: set[str]) -> Check:
    """One walk against every item any walk (or the POSTs) saw and the totals reported."""
    name = f"{listing.name} at page size {walk.size}: every item once"
    seen = set(walk.ids)
    problems = []
    if walk.error:
        problems.append(walk.error)
    missing = sorted(every - seen, key=lambda i: (len(i), i))
    if missing:
        problems.append(f"dropped {len(missing)} of {len(every)} items (ids {_ids(missing)})")
    if walk.repeated:
        problems.append(f"repeated {len(walk.repeated)} items (ids {_ids(walk.repeated)})")
    totals = sorted(set(walk.totals))
    if len(totals) > 1:
        problems.append(f"the reported total changed between pages ({', '.join(map(str, totals))})")
    elif totals and totals[0] != len(seen):
        problems.append(f"the service reports a total of {totals[0]}, the walk found {len(seen)}")
    if problems:
        message = f"{listing.name} at page size {walk.size}: {'; '.join(problems)}."
        return Check(name, Status.FAIL, len(seen), len(every), "==", "items", message)
    if len(every) <= walk.size:
        why = (
            f"{listing.name} holds {len(every)} items: one page at size {walk.size} pages nothing."
        )
        return Check(name, Status.INCONCLUSIVE, len(seen), len(every), "==", "items", why)
    return Check(name, Status.PASS, len(seen), len(every), "==", "items")


def walk_list(
    client: httpx.Client, handle: StackHandle, listing: Listing, document: dict[str, Any]
) -> tuple[list[Check], dict[str, Any]]:
    """Fill, then walk one list at each size; its checks and what the evidence file keeps."""
    walker = Walker(client, listing)
    first = walker.walk(listing.max_size or COUNTING)
    filled = fill(client, handle, listing, len(set(first.ids)), document)
    count = filled.before + len(filled.created)
    sizes = page_sizes(listing, count)
    # too few items for two pages at any size: nothing about paging can be shown (left out)
    walks = [walker.walk(s) for s in sizes] if count > sizes[0] else []
    every = {i for w in walks for i in w.ids} | {c for c in filled.created if c}
    checks = [judge_walk(listing, w, every) for w in walks]
    kept = {
        "style": listing.style,
        "items_before": filled.before,
        "created": len(filled.created),
        "not_created": filled.note,
        "walks": {str(w.size): vars(w) for w in walks},
    }
    return checks, kept


def _note(kept: dict[str, Any]) -> str:
    """How many items a list held and how many were added (and why no more)."""
    why = f" ({kept['not_created']})" if kept["not_created"] else ""
    return f"{kept['items_before']} items found, {kept['created']} added{why}"


def work(ctx: LayerContext) -> Evidence:
    """Every paged list of the document walked at each page size on the stack."""
    assert ctx.handle is not None  # the harness starts a stack for this layer
    document = openapi.fetch(ctx.handle, ctx.config.root, ctx.folder / "openapi.json")
    found, skipped = listings(document)
    record = ctx.folder / "walks.json"
    evidence = relative(ctx.run_dir, record)
    checks: list[Check] = []
    kept: dict[str, Any] = {}
    with ctx.handle.client(limits=PROBE_LIMITS) as client:
        for listing in found:
            more, kept[listing.name] = walk_list(client, ctx.handle, listing, document)
            checks += [replace(c, evidence=evidence) for c in more]
    record.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
    failed = sum(1 for c in checks if c.status is Status.FAIL)
    notes = {name: _note(k) for name, k in kept.items()}
    walked = [name for name, k in kept.items() if k["walks"]]
    skipped += [
        f"{name}: too few items to page ({notes[name]})" for name in kept if name not in walked
    ]
    return Evidence(
        checks=checks,
        declared={"lists": max(len(walked), 1)},
        evaluated={"lists": len(walked)},
        figures={"lists": notes, "skipped": skipped},
        artifacts={"walks": evidence},
        summary=f"{len(walked)} paged lists walked at up to {len(SIZES)} sizes, "
        f"{len(skipped)} left out, {failed} checks failed",
    )


LAYER = Layer(
    "lists",
    "Paged lists walked whole: every item once at several page sizes, totals agree.",
    work,
    stack="own",
)
