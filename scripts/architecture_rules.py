"""Rules over one module's source: short functions and modules, child processes started only in
`children`, settings read only through the config package. `architecture.py` runs them."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

FUNCTION_LINES = 60
MODULE_LINES = 300
CHILDREN = "children"  # the one home of child processes (a module or a package)
CONFIG = "config"  # the one home of settings access
CONFIG_NAME = re.compile(r"(^|_)(cfg|config|conf)$")  # names that hold a Config


@dataclass(frozen=True)
class Module:
    """One module of the package: `name` is dotted and relative (`load.engine`, `__init__`)."""

    name: str
    path: str
    source: str
    is_package: bool = False


@dataclass(frozen=True)
class Violation:
    check: str
    path: str
    line: int  # 0: the whole module
    message: str

    def __str__(self) -> str:
        return f"{self.path}{f':{self.line}' if self.line else ''}: {self.message}"


def module_name(relative: str) -> tuple[str, bool]:
    """`load/engine.py` -> (`load.engine`, False); `load/__init__.py` -> (`load`, True)."""
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        return ".".join(parts[:-1]), True
    return ".".join(parts), parts == ["__init__"]


def modules_from(sources: Mapping[str, str], root: str = "") -> list[Module]:
    """Modules from `{relative path: source}`; the checks take these (real or synthetic)."""
    modules = []
    for relative, source in sorted(sources.items()):
        name, is_package = module_name(relative)
        modules.append(Module(name, f"{root}{relative}", source, is_package))
    return modules


def load_modules(source: Path) -> list[Module]:
    """Every module under the package folder `source` (paths shown from its parent's parent)."""
    files = sorted(p for p in source.rglob("*.py") if "__pycache__" not in p.parts)
    texts = {p.relative_to(source).as_posix(): p.read_text(encoding="utf-8") for p in files}
    return modules_from(texts, root=f"{source.relative_to(source.parents[1]).as_posix()}/")


def within(name: str, home: str) -> bool:
    """`name` is the module `home` or inside the package `home`."""
    return name == home or name.startswith(home + ".")


def check_function_length(module: Module, limit: int = FUNCTION_LINES) -> list[Violation]:
    found = []
    for node in ast.walk(ast.parse(module.source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                message = f"function {node.name} has {lines} lines (at most {limit})"
                found.append(Violation("function-length", module.path, node.lineno, message))
    return found


def check_module_length(module: Module, limit: int = MODULE_LINES) -> list[Violation]:
    lines = len(module.source.splitlines())
    if lines <= limit:
        return []
    return [Violation("module-length", module.path, 0, f"{lines} lines (at most {limit})")]


def check_subprocess(module: Module) -> list[Violation]:
    """`subprocess` is used only in the `children` home (`import subprocess as sp` included)."""
    if within(module.name, CHILDREN):
        return []
    tree = ast.parse(module.source)
    aliases = {"subprocess"} | {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "subprocess"
    }
    found = []
    for node in ast.walk(tree):
        used = ""
        if isinstance(node, ast.ImportFrom) and node.module == "subprocess":
            used = f"from subprocess import {', '.join(a.name for a in node.names)}"
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            used = f"{node.value.id}.{node.attr}"
        if used:
            line = getattr(node, "lineno", 0)
            found.append(Violation("subprocess", module.path, line, f"{used} outside {CHILDREN}"))
    return sorted(found, key=lambda v: v.line)


def _config_like(node: ast.expr) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return bool(CONFIG_NAME.search(name))


def check_settings_access(module: Module) -> list[Violation]:
    """Settings are typed attributes: no `.section(...)`, `cfg[...]`, `cfg.values` or
    `cfg.__getitem__` outside the config package."""
    if within(module.name, CONFIG):
        return []
    tree = ast.parse(module.source)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = []
    for node in ast.walk(tree):
        used = ""
        if isinstance(node, ast.Attribute) and node.attr == "section" and id(node) in called:
            used = ".section(...)"
        elif isinstance(node, ast.Subscript) and _config_like(node.value):
            used = f"{ast.unparse(node.value)}[...]"
        elif (
            isinstance(node, ast.Attribute)
            and _config_like(node.value)
            and (node.attr == "__getitem__" or (node.attr == "values" and id(node) not in called))
        ):
            used = ast.unparse(node)
        if used:
            line = getattr(node, "lineno", 0)
            found.append(
                Violation("settings-access", module.path, line, f"{used} outside {CONFIG}")
            )
    return sorted(found, key=lambda v: v.line)


Check = Callable[[Module], list[Violation]]
PER_MODULE: tuple[Check, ...] = (
    check_function_length,
    check_module_length,
    check_subprocess,
    check_settings_access,
)
