"""The shape of `src/signoff`: every module on a floor, imports that point only to the same or a
lower floor, no import cycles, plus the per-module rules of `architecture_rules.py`.

`python scripts/architecture.py` prints the import graph by floor and every violation (exit 1 if
any); `tests/test_architecture.py` runs the same checks.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: import as tests do

from scripts.architecture_rules import PER_MODULE, Module, Violation, load_modules

PACKAGE = "signoff"
ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / PACKAGE
DOC = ROOT / "docs" / "architecture.md"

# The one floor table, lowest first: an import may point only to the same or a lower floor. A
# name is a module or a package (all its modules); a module no name covers is an error.
BY_FLOOR: dict[int, str] = {
    # ground: errors, verdicts, typed settings, the target, pure statistics; nothing that runs
    0: "__init__ errors records verdicts config declared target identity judge machine interrupts",
    # infrastructure: child processes, run folders, stacks, documents, the machine's facts
    1: "children rundir stack openapi environment browser covrc patchcov leaks recording",
    # engines: the work behind the layers
    2: "load security fuzz probes observability cache_contract claims bench paging",
    # the layers, the one function that runs every layer, and the scheduler of a run's layers
    3: "layers schedule",
    4: "report history",
    # the comparison campaign: worktrees, sides, split and interleaved runs; shards merged
    5: "campaign shards",
    6: "cli init init_guess pytest_plugin __main__",
}
FLOORS: dict[str, int] = {name: f for f, names in BY_FLOOR.items() for name in names.split()}
CHECKS = "cycles floors placement function-length module-length subprocess settings-access docs"


@dataclass(frozen=True)
class Arrow:
    """`source` imports `target` (both module names) first at `line`."""

    source: str
    target: str
    line: int


def floor_of(name: str, floors: Mapping[str, int] = FLOORS) -> int | None:
    """The floor of the longest prefix of `name` in the table, or None."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in floors:
            return floors[prefix]
    return None


def _resolve(dotted: str, known: set[str]) -> str | None:
    """The known module an absolute import names (`signoff.a.b.C` -> `a.b`), or None."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        return "__init__"
    for end in range(len(parts), 1, -1):
        if (candidate := ".".join(parts[1:end])) in known:
            return candidate
    return None


def _absolute(node: ast.ImportFrom, module: Module) -> str:
    if not node.level:
        return node.module or ""
    base = [PACKAGE, *([] if module.name == "__init__" else module.name.split("."))]
    keep = len(base) - node.level + (1 if module.is_package else 0)
    return ".".join([*base[:keep], *([node.module] if node.module else [])])


def _imported(node: ast.AST, module: Module) -> Iterator[str]:
    """The absolute dotted names one node imports."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = _absolute(node, module)
        # `from signoff.a import b`: the module a.b where there is one, else a itself
        yield from (f"{base}.{alias.name}" for alias in node.names)
    elif (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        yield node.args[0].value  # a dynamic import of a literal name


def imports(module: Module, known: set[str]) -> list[Arrow]:
    """Every import of a package module, inside functions too; one arrow per target."""
    first: dict[str, int] = {}
    for node in ast.walk(ast.parse(module.source)):
        for dotted in _imported(node, module):
            target = _resolve(dotted, known)
            if target is not None and target != module.name:
                line = getattr(node, "lineno", 0)
                first[target] = min(first.get(target, line), line)
    return [Arrow(module.name, target, line) for target, line in sorted(first.items())]


def graph(modules: list[Module]) -> dict[str, list[Arrow]]:
    known = {m.name for m in modules}
    return {m.name: imports(m, known) for m in modules}


def check_cycles(arrows: Mapping[str, list[Arrow]]) -> list[Violation]:
    """One violation per group of modules that import each other (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for arrow in arrows.get(name, []):
            if arrow.target not in index:
                visit(arrow.target)
                low[name] = min(low[name], low[arrow.target])
            elif arrow.target in stack:
                low[name] = min(low[name], index[arrow.target])
        if low[name] == index[name]:
            group = [stack.pop()]
            while group[-1] != name:
                group.append(stack.pop())
            groups.append(sorted(group))

    for name in sorted(arrows):
        if name not in index:
            visit(name)
    cycles = sorted(g for g in groups if len(g) > 1)
    return [Violation("cycles", g[0], 0, "import cycle among " + ", ".join(g)) for g in cycles]


def check_floors(
    modules: list[Module], arrows: Mapping[str, list[Arrow]], floors: Mapping[str, int] = FLOORS
) -> list[Violation]:
    """Every module has a floor, and no import points to a higher floor."""
    found = []
    for module in modules:
        floor = floor_of(module.name, floors)
        if floor is None:
            message = f"{module.name} has no floor in the table of scripts/architecture.py"
            found.append(Violation("placement", module.path, 0, message))
            continue
        for arrow in arrows.get(module.name, []):
            target = floor_of(arrow.target, floors)
            if target is not None and target > floor:
                message = f"{module.name} (floor {floor}) imports {arrow.target} (floor {target})"
                found.append(Violation("floors", module.path, arrow.line, message))
    return found


def doc_names(doc: str) -> set[str]:
    """The paths the tree under `src/signoff/` in a fenced block names: one entry a line, two
    spaces a level (`load/`, `load/engine.py`); `x.py` words in a folder's description count."""
    tree = doc.split("\nsrc/signoff/\n", 1)
    lines = tree[1].split("```", 1)[0].splitlines() if len(tree) == 2 else []
    named: set[str] = set()
    folders: list[str] = []
    current = ""  # the folder whose description runs on, if the last entry was one
    for line in lines:
        match = re.match(r"( *)(\S+)(.*)", line)
        if not match:
            continue
        if not match.group(1):
            break  # the next top-level entry leaves src/signoff/
        indent, token, rest = len(match.group(1)), match.group(2), match.group(3)
        depth = indent // 2 - 1
        if indent % 2 == 0 and depth <= len(folders) and token.endswith((".py", "/")):
            folders, path = folders[:depth], "/".join([*folders[:depth], token.rstrip("/")])
            named.add(path)
            current = path if token.endswith("/") else ""
            if current:
                folders.append(token.rstrip("/"))
        else:
            rest = line
        if current:
            named |= {f"{current}/{n}" for n in re.findall(r"(?<![\w/.])(\w+\.py)\b", rest)}
    return named


def check_doc(
    doc: str, source: Path = SOURCE, where: str = "docs/architecture.md"
) -> list[Violation]:
    """The doc names every module and package of `source`, and nothing that is not there."""
    files = [p.relative_to(source) for p in source.rglob("*.py") if "__pycache__" not in p.parts]
    wanted = {p.as_posix() for p in files if p.name != "__init__.py"}
    wanted |= {p.parent.as_posix() for p in files if p.name == "__init__.py" and p.parent.parts}
    named = doc_names(doc)
    missing = [f"{name} is not named in its tree" for name in sorted(wanted - named)]
    stray = [f"{n} is named but does not exist" for n in sorted(named) if not (source / n).exists()]
    return [Violation("docs", where, 0, message) for message in [*missing, *stray]]


def check_all(modules: list[Module], doc: str = "") -> dict[str, list[Violation]]:
    """Every check over `modules` (and the doc, when given), violations by check name."""
    arrows = graph(modules)
    found = [*check_cycles(arrows), *check_floors(modules, arrows)]
    found += [v for module in modules for check in PER_MODULE for v in check(module)]
    found += check_doc(doc) if doc else []
    found.sort(key=lambda v: (v.path, v.line, v.message))
    return {name: [v for v in found if v.check == name] for name in CHECKS.split()}


def render_graph(modules: list[Module], arrows: Mapping[str, list[Arrow]]) -> list[str]:
    by_floor: dict[int, list[str]] = {}
    for module in modules:
        floor = floor_of(module.name)
        by_floor.setdefault(-1 if floor is None else floor, []).append(module.name)
    lines = []
    for floor in sorted(by_floor, key=lambda f: f if f >= 0 else 99):
        lines.append(f"floor {floor}" if floor >= 0 else "no floor")
        for name in sorted(by_floor[floor]):
            targets = [f"{a.target}({floor_of(a.target)})" for a in arrows[name]]
            lines.append(f"  {name} -> {', '.join(targets) or '-'}")
    return lines


def main() -> int:
    modules = load_modules(SOURCE)
    print("\n".join(render_graph(modules, graph(modules))))
    found = check_all(modules, DOC.read_text(encoding="utf-8"))
    for name, violations in found.items():
        print(f"\n{name}: {len(violations)}", *(f"  {v}" for v in violations), sep="\n")
    print("\n" + ", ".join(f"{name} {len(v)}" for name, v in found.items()))
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
