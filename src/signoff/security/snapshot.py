"""An advisory snapshot opened in place: a folder of OSV files, or one archive of such a folder
(tar, tar.gz, tar.bz2, tar.xz or zip) read with the standard library, never unpacked to disk.
"""

from __future__ import annotations

import lzma
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from signoff.errors import ConfigError, EvidenceError

ADVISORY_SUFFIXES = (".yaml", ".yml", ".json")
# tarfile finds a tar's compression by itself; the suffix only says which reader to use
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
ZIP_SUFFIXES = (".zip",)
SOURCE = "SOURCE.md"  # a snapshot's provenance: where it came from, and its date
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
# what a truncated, corrupt or unsupported archive raises while it is read
_UNREADABLE = (
    OSError,
    EOFError,
    tarfile.TarError,
    zipfile.BadZipFile,
    lzma.LZMAError,
    zlib.error,
    NotImplementedError,  # zipfile: a compression method it does not know
    RuntimeError,  # zipfile: an encrypted member
)
_KINDS = "a folder of OSV advisories or an archive of one (.tar.xz, .tar.gz, .tar.bz2, .tar, .zip)"


@dataclass(frozen=True)
class Member:
    """One advisory file of a snapshot: where it is, for messages, and its bytes."""

    where: str
    suffix: str
    data: bytes


@dataclass(frozen=True)
class Provenance:
    """Which snapshot this is: its path, its name (which carries its date) and its SOURCE.md."""

    path: Path
    name: str  # the folder's name, or the archive's without its suffix
    source: str | None  # the text of SOURCE.md, when the snapshot has one

    def date(self) -> date | None:
        """The snapshot's date: SOURCE.md's first date, else the one in its name."""
        for text in [*([self.source] if self.source is not None else []), self.name]:
            match = _DATE.search(text)
            if match:
                try:
                    return date.fromisoformat(match.group(1))
                except ValueError:
                    continue
        return None

    def origin(self) -> str:
        """A one-line description of where the snapshot came from (SOURCE.md's source line)."""
        for line in (self.source or "").splitlines():
            if line.lstrip("- ").lower().startswith("source:"):
                return line.lstrip("- ").split(":", 1)[1].strip()
        return f"OSV advisories in {self.path}"


def archive_suffix(path: Path) -> str | None:
    """The archive suffix `path` ends with, or None when it names no archive signoff reads."""
    lowered = path.name.lower()
    return next((s for s in (*TAR_SUFFIXES, *ZIP_SUFFIXES) if lowered.endswith(s)), None)


def read_snapshot(path: Path) -> tuple[Provenance, list[Member]]:
    """The snapshot at `path` and its advisory files, in path order whatever holds them."""
    if path.is_dir():
        source = path / SOURCE
        text = source.read_text(encoding="utf-8") if source.is_file() else None
        return Provenance(path, path.name, text), list(_folder_members(path))
    if not path.exists():
        raise ConfigError(
            f"The advisory snapshot {path} does not exist.",
            hint=f"set [tool.signoff.audit] advisory_db to {_KINDS}.",
        )
    suffix = archive_suffix(path)
    if suffix is None:
        raise ConfigError(
            f"The advisory snapshot {path} is a file but not an archive signoff reads.",
            hint=f"point [tool.signoff.audit] advisory_db at {_KINDS}.",
        )
    try:
        files = _tar_files(path) if suffix in TAR_SUFFIXES else _zip_files(path)
    except _UNREADABLE as exc:
        raise ConfigError(
            f"The advisory archive {path} cannot be read: it is damaged or not the archive its "
            f"name says ({_reason(exc)}).",
            hint="replace it with a complete copy; a snapshot is read whole or not at all.",
        ) from exc
    return _from_archive(path, path.name[: -len(suffix)], files)


def _reason(exc: BaseException) -> str:
    """The first line of what the reader said: tarfile lists every method it tried, a line each."""
    lines = str(exc).strip().splitlines()
    return (lines[0].rstrip(":. ") if lines else "") or type(exc).__name__


def _folder_members(folder: Path) -> Iterator[Member]:
    for path in sorted(folder.rglob("*")):
        if path.suffix not in ADVISORY_SUFFIXES or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EvidenceError(
                f"The advisory {path} cannot be read as OSV: {exc}.",
                hint="fix or remove that file; the snapshot is read whole or not at all.",
            ) from exc
        yield Member(str(path), path.suffix, data)


def _tar_files(path: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:*") as archive:
        for entry in archive:  # in archive order: a compressed tar reads front to back
            handle = archive.extractfile(entry) if entry.isfile() else None
            if handle is not None:
                files[entry.name] = handle.read()
        _rest_is_padding(archive)
    return files


def _rest_is_padding(archive: tarfile.TarFile) -> None:
    """Read what follows the last member: tarfile ends quietly at a damaged header, and a
    compressed stream checks its checksum only at its very end."""
    stream = archive.fileobj
    if stream is None:
        return
    # back to the block that ended the listing, which must be zeros too (a compressed stream
    # starts over to seek back: a tenth of a second for this repository's snapshot)
    stream.seek(archive.offset)
    while chunk := stream.read(1 << 16):
        if chunk.strip(b"\0"):
            raise tarfile.ReadError("a damaged header ends its listing early")


def _zip_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def _from_archive(
    path: Path, name: str, files: dict[str, bytes]
) -> tuple[Provenance, list[Member]]:
    """The archive's files as a folder would give them: SOURCE.md from its root or its one top
    folder, the advisories sorted as the folder's paths sort."""
    names = {n: PurePosixPath(n) for n in files}
    sources = sorted((len(p.parts), n) for n, p in names.items() if p.name == SOURCE)
    found = [n for depth, n in sources if depth <= 2]
    text = files[found[0]].decode("utf-8", errors="replace") if found else None
    members = [
        Member(f"{n} in {path}", names[n].suffix, files[n])
        for n in sorted(names, key=names.__getitem__)
        if names[n].suffix in ADVISORY_SUFFIXES
    ]
    return Provenance(path, name, text), members
