"""Looking for secrets in a layer's files, and taking them out: each secret in the forms it
usually leaks in (as is, URL-encoded, base64 at any offset of a longer value, and the partly
masked `first 8 chars...` that a careless log line prints)."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

from signoff.leaks.registry import Secret

PREFIX = 8  # characters a partly masked form keeps
MASKS = ("...", "…", "***")
SNIFF = 8192  # bytes read to tell a text file from a binary one


@dataclass(frozen=True)
class Needle:
    """One form of one secret: what to look for, and which secret and form it is."""

    text: str
    secret: Secret
    form: str


@dataclass(frozen=True)
class Finding:
    """A secret found: the file (relative to the run), its line, the secret and its form."""

    path: str
    line: int
    secret: Secret
    form: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.secret.name} {self.secret.masked}, {self.form})"


def _base64_cores(value: bytes) -> Iterator[str]:
    """The base64 characters that depend only on `value`, for each of its three alignments in a
    longer encoded value (`Basic dXNlcjpwYXNz`): what any encoding of it must contain."""
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + value).decode()
        start = -(-8 * shift // 6)  # the first character holding no bit of the prefix
        end = 8 * (shift + len(value)) // 6  # the last whole character of the value
        core = encoded[start:end]
        yield core
        yield core.replace("+", "-").replace("/", "_")  # the URL-safe alphabet


def needles(secret: Secret) -> list[Needle]:
    """Every form of `secret` to look for, each once."""
    value = secret.value
    forms = [(value, "as is")]
    forms += [(quote(value, safe=""), "URL-encoded"), (quote_plus(value), "URL-encoded")]
    forms += [(core, "base64") for core in _base64_cores(value.encode())]
    if "://" not in value:  # a URL's first 8 characters ("postgres") are no one's secret
        forms += [(value[:PREFIX] + mark, "partly masked") for mark in MASKS]
    seen: set[str] = set()
    found = []
    for text, form in forms:
        if text not in seen:
            seen.add(text)
            found.append(Needle(text, secret, form))
    return found


def pattern(all_needles: list[Needle]) -> re.Pattern[str] | None:
    """One alternation of every needle, the longest first (a whole secret before its prefix)."""
    texts = sorted({n.text for n in all_needles}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in texts)) if texts else None


def is_text(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\0" not in handle.read(SNIFF)


def files(folder: Path) -> list[Path]:
    """The regular files under `folder`, in a stable order (symbolic links are not followed)."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        found += [Path(root, n) for n in sorted(names) if Path(root, n).is_file()]
    return [p for p in found if not p.is_symlink()]


def scan_file(path: Path, shown: str, all_needles: list[Needle]) -> list[Finding]:
    """Each line of `path` that holds a needle, once per secret and line."""
    found = pattern(all_needles)
    if found is None:
        return []
    by_text = {n.text: n for n in reversed(all_needles)}  # the first form named wins
    hits: list[Finding] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            seen: set[str] = set()
            for match in found.finditer(line):
                needle = by_text[match.group()]
                if needle.secret.name not in seen:
                    seen.add(needle.secret.name)
                    hits.append(Finding(shown, number, needle.secret, needle.form))
    return hits


def redactor(all_needles: list[Needle]) -> Callable[[str], str]:
    """A function that replaces every needle in a text by `[redacted:<name>]`."""
    found = pattern(all_needles)
    if found is None:
        return lambda text: text
    by_text = {n.text: n for n in reversed(all_needles)}
    return lambda text: found.sub(lambda m: f"[redacted:{by_text[m.group()].secret.name}]", text)


def redact_file(path: Path, all_needles: list[Needle]) -> bool:
    """Replace every needle in `path` by `[redacted:<name>]`; whether anything changed."""
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    clean = redactor(all_needles)(text)
    if clean == text:
        return False
    path.write_text(clean, encoding="utf-8", errors="surrogateescape")
    return True
