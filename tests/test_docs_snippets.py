"""Every TOML snippet of the docs is configuration a user can paste: it loads with
`signoff.config.load` both as pyproject.toml (`[tool.signoff.x]`) and as signoff.toml (`[x]`).

A block that is not configuration (a claims file, say) carries `<!-- snippet: not-config -->`
on the line before it.
"""

from __future__ import annotations

import re
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from signoff import config
from signoff.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_CONFIG = "<!-- snippet: not-config -->"
# a fenced block, also indented (inside a list item)
BLOCK = re.compile(r"^[ \t]*```toml[ \t]*\n(.*?)^[ \t]*```[ \t]*$", re.MULTILINE | re.DOTALL)
HEADER = re.compile(r"^(\s*)(\[\[?)\s*([^\[\]]+?)\s*(\]\]?)(.*)$")
PREFIX = "tool.signoff"


@dataclass(frozen=True)
class Snippet:
    where: str  # file:line of the opening fence
    text: str


def snippets(markdown: str, name: str) -> list[Snippet]:
    """The ```toml blocks of one document, less those marked as not configuration."""
    found = []
    for match in BLOCK.finditer(markdown):
        before = markdown[: match.start()].rstrip().splitlines()
        if before and before[-1].strip() == NOT_CONFIG:
            continue
        line = markdown.count("\n", 0, match.start()) + 1
        found.append(Snippet(f"{name}:{line}", textwrap.dedent(match.group(1))))
    return found


def _sections(text: str) -> list[tuple[str | None, list[str]]]:
    """(table header line or None for the keys before the first one, its lines)."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        if HEADER.match(line) and not line.lstrip().startswith("#"):
            sections.append((line, []))
        else:
            sections[-1][1].append(line)
    return sections


def _rename(header: str, to_pyproject: bool) -> str | None:
    """A header in the other form; None for `[tool.signoff]` itself (top-level keys)."""
    match = HEADER.match(header)
    assert match is not None
    indent, open_, key, close, rest = match.groups()
    if to_pyproject:
        key = f"{PREFIX}.{key}"
    elif key == PREFIX:
        return None
    elif key.startswith(PREFIX + "."):
        key = key.removeprefix(PREFIX + ".")
    return f"{indent}{open_}{key}{close}{rest}"


def as_standalone(text: str) -> str:
    """signoff.toml form: `[tool.signoff.x]` -> `[x]`, `[tool.signoff]` keys at the top."""
    top: list[str] = []
    tables: list[str] = []
    for header, lines in _sections(text):
        renamed = None if header is None else _rename(header, to_pyproject=False)
        if renamed is None:
            top.extend(lines)
        else:
            tables.extend([renamed, *lines])
    return "\n".join([*top, *tables]) + "\n"


def as_pyproject(text: str) -> str:
    """pyproject.toml form of a snippet in either form."""
    lines = [f"[{PREFIX}]"]
    for header, body in _sections(as_standalone(text)):
        lines.extend(
            [*([] if header is None else [str(_rename(header, to_pyproject=True))]), *body]
        )
    return "\n".join(lines) + "\n"


def in_pyproject_form(text: str) -> bool:
    """Every table is under `[tool.signoff]` and no key sits outside one (the docs' form)."""
    sections = _sections(text)
    loose = [line for line in sections[0][1] if line.strip() and not line.lstrip().startswith("#")]
    headers = [HEADER.match(h) for h, _ in sections[1:] if h is not None]
    keys = [m.group(3) for m in headers if m is not None]
    return not loose and all(k == PREFIX or k.startswith(PREFIX + ".") for k in keys)


def load_as(project: Path, filename: str, text: str) -> config.Config:
    """`text` as the project's `filename`, loaded as signoff loads a project."""
    project.mkdir(parents=True)
    (project / filename).write_text(text, encoding="utf-8")
    cfg = config.load(project)
    assert cfg.source == project / filename  # this file, not one found further up
    return cfg


DOC_SNIPPETS = [s for doc in DOCS for s in snippets(doc.read_text(encoding="utf-8"), doc.name)]


def test_the_docs_have_snippets() -> None:
    assert len(DOC_SNIPPETS) >= 8, [s.where for s in DOC_SNIPPETS]


@pytest.mark.parametrize("snippet", DOC_SNIPPETS, ids=[s.where for s in DOC_SNIPPETS])
def test_a_snippet_loads_in_both_file_forms(snippet: Snippet, tmp_path: Path) -> None:
    pyproject, standalone = as_pyproject(snippet.text), as_standalone(snippet.text)
    assert tomllib.loads(pyproject)["tool"]["signoff"] == tomllib.loads(standalone)
    from_pyproject = load_as(tmp_path / "pyproject", "pyproject.toml", pyproject)
    from_standalone = load_as(tmp_path / "standalone", "signoff.toml", standalone)
    assert from_pyproject.values == from_standalone.values


@pytest.mark.parametrize("snippet", DOC_SNIPPETS, ids=[s.where for s in DOC_SNIPPETS])
def test_a_snippet_is_written_as_the_docs_say(snippet: Snippet) -> None:
    """docs/your-service.md: snippets are written as in pyproject.toml."""
    assert in_pyproject_form(snippet.text), snippet.text


# ---------------------------------------------------------------- the test itself can fail

MARKDOWN = """Text.

```toml
run_dir = "out"
[load]   # a comment
remote_workers = 2
[[load.mix.operations]]
name = "GET /a"
```

<!-- snippet: not-config -->
```toml
[[claim]]
id = "x"
```

1. In a list:

   ```toml
   [tool.signoff.stack]
   url_writes = true
   ```
"""


def test_blocks_are_found_and_marked_ones_left_out() -> None:
    found = snippets(MARKDOWN, "x.md")
    assert [s.where for s in found] == ["x.md:3", "x.md:19"]
    assert found[0].text.startswith('run_dir = "out"\n[load]')
    assert found[1].text == "[tool.signoff.stack]\nurl_writes = true\n"


def test_the_two_forms_hold_the_same_tables() -> None:
    text = snippets(MARKDOWN, "x.md")[0].text
    pyproject = as_pyproject(text)
    assert "[tool.signoff.load]   # a comment" in pyproject
    assert "[[tool.signoff.load.mix.operations]]" in pyproject
    assert not in_pyproject_form(text)
    assert in_pyproject_form(pyproject)
    assert as_standalone(pyproject).splitlines()[0] == 'run_dir = "out"'
    expected = {
        "run_dir": "out",
        "load": {"remote_workers": 2, "mix": {"operations": [{"name": "GET /a"}]}},
    }
    assert tomllib.loads(as_standalone(pyproject)) == expected
    assert tomllib.loads(pyproject)["tool"]["signoff"] == expected


def test_a_snippet_with_a_mistake_does_not_load(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="remote_worker"):
        load_as(
            tmp_path / "typo",
            "signoff.toml",
            as_standalone("[tool.signoff.load]\nremote_worker = 4\n"),
        )
    with pytest.raises(ConfigError, match="tool"):
        load_as(tmp_path / "pasted", "signoff.toml", "[tool.signoff.load]\nremote_workers = 4\n")
