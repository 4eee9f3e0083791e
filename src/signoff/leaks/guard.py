"""The check `secrets not leaked` of a layer that had a stack, and the redaction that makes its
folder safe to share: after the stack's teardown (its logs complete) every text file of the
layer's folder is searched for the stack's secrets, then rewritten without them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from signoff.leaks.registry import Secrets
from signoff.leaks.scan import (
    Finding,
    Needle,
    files,
    is_text,
    needles,
    redact_file,
    redactor,
    scan_file,
)
from signoff.records import Check, Evidence, LayerRecord, Status

if TYPE_CHECKING:
    from signoff.stack.interface import StackHandle

CHECK = "secrets not leaked"
# the check of a stack a pytest session started itself, kept (masked) for the layer's record
SAVED = "leaks.json"
SHOWN_FINDINGS = 3  # places (file, secret, form) named in the check's message
SHOWN_LINES = 3  # lines named per place; the check's figure counts every line


class Guard:
    """Use around a stack's whole life: `watch` the handle, and on leaving (after the stack's
    teardown) the layer's folder is scanned, then redacted, whatever the work did."""

    def __init__(
        self,
        run_dir: Path,
        folder: Path,
        secrets: Secrets | None = None,
        also: Sequence[Path] = (),
    ) -> None:
        self.run_dir = run_dir
        self.folder = folder
        self.also = list(also)  # read, never rewritten: a stack that other layers still use
        # the provider's registry, when it has one: what a failed start issued is looked for too
        self.secrets = secrets if secrets is not None else Secrets()
        self.watched: list[Secrets] = []  # the handles' own registries: the service's secrets
        self.findings: list[Finding] = []
        self.scanned: list[str] = []
        self.binary: list[str] = []

    def watch(self, handle: StackHandle) -> StackHandle:
        """Look for the secrets of `handle` (its own credential too, whatever the provider)."""
        for secret in handle.secrets.items():
            self.secrets.add(secret.name, secret.value)
        if handle.secrets is not self.secrets:
            self.watched.append(handle.secrets)
        self.secrets.add("credential", handle.token)
        return handle

    def __enter__(self) -> Guard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if len(self.secrets) and self.folder.is_dir():
            self.sweep()

    def sweep(self) -> None:
        """Scan every text file of the folder (the originals), then redact them; the `also`
        folders are scanned only."""
        found = [n for s in self.secrets.items() for n in needles(s)]
        hidden = found + self._made()
        for folder, rewrite in [(self.folder, True), *((f, False) for f in self.also)]:
            for path in files(folder) if folder.is_dir() else []:
                shown = os.path.relpath(path, self.run_dir)
                if not is_text(path):
                    self.binary.append(shown)
                    continue
                self.scanned.append(shown)
                hits = scan_file(path, shown, found)
                self.findings += hits
                # a file without a hit has nothing to take out, but the service's own secrets
                if rewrite and (hits or len(hidden) > len(found)):
                    redact_file(path, hidden)

    def _made(self) -> list[Needle]:
        """The forms of the secrets the service made and answered: redacted, never counted."""
        made = {s.value: s for r in [self.secrets, *self.watched] for s in r.made()}
        return [n for s in made.values() for n in needles(s)]

    def check(self) -> Check | None:
        """The check, or None when there was no secret to look for (no stack, no credential)."""
        if not len(self.secrets):
            return None
        where = f"{len(self.secrets)} secrets looked for in {len(self.scanned)} files"
        if self.binary:
            where += f" ({len(self.binary)} binary files not read: {', '.join(self.binary[:3])})"
        if not self.findings:
            return Check(CHECK, Status.PASS, 0, 0, "==", message=f"{where}; none found.")
        places = _places(self.findings)
        named = "; ".join(_place(found) for found in places[:SHOWN_FINDINGS])
        more = len(places) - SHOWN_FINDINGS
        tail = f"; {more} more places" if more > 0 else ""
        message = (
            f"Issued secrets appear in the layer's evidence {len(self.findings)} times: "
            f"{named}{tail}; the copies in the run are redacted."
        )
        first = self.findings[0].path
        return Check(CHECK, Status.FAIL, len(self.findings), 0, "==", "", message, first)

    def checked(self, found: Evidence | LayerRecord) -> Evidence | LayerRecord:
        """The work's evidence with the check added, and any secret its text quotes (a message,
        a figure) redacted as the files are: the record is evidence too."""
        check = self.check()
        if check is None:
            return found
        swap = redactor([n for s in self.secrets.items() for n in needles(s)] + self._made())
        evidence = with_check(found, check)
        return replace(
            evidence,
            checks=[_scrub_check(c, swap) for c in evidence.checks],
            figures=_scrub(evidence.figures, swap),
            summary=swap(evidence.summary),
        )

    def save(self) -> None:
        """Keep the check in the folder, for a layer whose stack a child process started."""
        check = self.check()
        if check is not None:
            (self.folder / SAVED).write_text(json.dumps(asdict(check)) + "\n", encoding="utf-8")


def _places(findings: list[Finding]) -> list[list[Finding]]:
    """The findings grouped by file, secret and form, in the order first met."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for found in findings:
        groups.setdefault((found.path, found.secret.name, found.form), []).append(found)
    return list(groups.values())


def _place(found: list[Finding]) -> str:
    """`file:line` of the first finding, its secret masked, and the place's other lines."""
    lines = [str(f.line) for f in found[1:SHOWN_LINES]]
    rest = len(found) - SHOWN_LINES
    word = "line" if len(lines) == 1 and rest <= 0 else "lines"
    also = f", also {word} {', '.join(lines)}" if lines else ""
    also += f" and {rest} more" if rest > 0 else ""
    return f"{found[0]}".removesuffix(")") + also + ")"


def _scrub(value: Any, swap: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return swap(value)
    if isinstance(value, list):
        return [_scrub(v, swap) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, swap) for k, v in value.items()}
    return value


def _scrub_check(check: Check, swap: Callable[[str], str]) -> Check:
    figure, threshold = _scrub(check.figure, swap), _scrub(check.threshold, swap)
    return replace(check, message=swap(check.message), figure=figure, threshold=threshold)


def with_check(found: Evidence | LayerRecord, check: Check) -> Evidence:
    """Evidence with `check` added (a layer's own record becomes evidence again, to be judged
    with it)."""
    evidence = Evidence.of(found) if isinstance(found, LayerRecord) else found
    return replace(evidence, checks=[*evidence.checks, check])


def saved(found: Evidence | LayerRecord, folder: Path) -> Evidence | LayerRecord:
    """The work's evidence with the check a child's stack saved in `folder`, when there is one."""
    path = folder / SAVED
    if not path.is_file():
        return found
    data = json.loads(path.read_text(encoding="utf-8"))
    return with_check(found, Check(**{**data, "status": Status(data["status"])}))
