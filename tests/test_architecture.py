"""The package's shape (scripts/architecture.py) held on src/signoff and docs/architecture.md, and
each check shown to catch its violation on synthetic source."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts import architecture as arch
from scripts import architecture_rules as rules
from scripts.architecture_rules import Module, Violation, modules_from

REAL = rules.load_modules(arch.SOURCE)
REAL_ARROWS = arch.graph(REAL)


def _shown(found: list[Violation]) -> str:
    return "\n".join(str(v) for v in found)


def _each_module(check: rules.Check) -> list[Violation]:
    return [v for module in REAL for v in check(module)]


# ---------------------------------------------------------------- src/signoff as it is


def test_no_import_cycles() -> None:
    found = arch.check_cycles(REAL_ARROWS)
    assert not found, _shown(found)


def test_every_module_has_a_floor() -> None:
    found = [v for v in arch.check_floors(REAL, REAL_ARROWS) if v.check == "placement"]
    assert not found, _shown(found)


def test_imports_point_to_the_same_or_a_lower_floor() -> None:
    found = [v for v in arch.check_floors(REAL, REAL_ARROWS) if v.check == "floors"]
    assert not found, _shown(found)


@pytest.mark.parametrize(
    "check",
    [
        rules.check_function_length,
        rules.check_module_length,
        rules.check_subprocess,
        rules.check_settings_access,
    ],
)
def test_every_module_keeps_the_rule(check: rules.Check) -> None:
    found = _each_module(check)
    assert not found, _shown(found)


def test_the_doc_names_every_module_and_nothing_else() -> None:
    found = arch.check_doc((arch.ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert not found, _shown(found)


def test_the_checker_keeps_its_own_rules() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in (arch.ROOT / "scripts").glob("*.py")}
    own = modules_from(texts)
    found = [
        v for m in own for v in [*rules.check_function_length(m), *rules.check_module_length(m)]
    ]
    assert not found, _shown(found)


# ---------------------------------------------------------------- each check can fail


def test_a_cycle_through_an_import_inside_a_function_is_caught() -> None:
    modules = modules_from(
        {
            "load/engine.py": "from signoff.load import plan\n",
            "load/plan.py": "def build() -> None:\n    from signoff.load.engine import run\n",
            "load/__init__.py": "",
        }
    )
    found = arch.check_cycles(arch.graph(modules))
    assert [v.message for v in found] == ["import cycle among load.engine, load.plan"]


def test_imports_without_a_cycle_pass() -> None:
    modules = modules_from({"errors.py": "", "records.py": "from signoff import errors\n"})
    assert arch.check_cycles(arch.graph(modules)) == []


def test_an_import_up_a_floor_is_caught_and_one_down_passes() -> None:
    modules = modules_from(
        {
            "config/__init__.py": "import signoff.load.plan\n",
            "load/__init__.py": "",
            "load/plan.py": "from signoff.errors import ConfigError\n",
            "errors.py": "",
        }
    )
    found = arch.check_floors(modules, arch.graph(modules))
    assert [(v.check, v.path, v.line) for v in found] == [("floors", "config/__init__.py", 1)]
    assert "config (floor 0) imports load.plan (floor 2)" in found[0].message


def test_relative_and_dynamic_imports_are_arrows() -> None:
    modules = modules_from(
        {
            "stack/__init__.py": "from . import local\n",
            "stack/local.py": "from ..report import html\n",
            "report/__init__.py": "",
            "report/html.py": "",
            "layers/__init__.py": "import importlib\nimportlib.import_module('signoff.cli')\n",
            "cli.py": "",
        }
    )
    arrows = arch.graph(modules)
    assert [a.target for a in arrows["stack"]] == ["stack.local"]
    assert [a.target for a in arrows["stack.local"]] == ["report.html"]
    assert [a.target for a in arrows["layers"]] == ["cli"]
    assert len([v for v in arch.check_floors(modules, arrows) if v.check == "floors"]) == 2


def test_a_module_without_a_floor_is_caught() -> None:
    modules = modules_from({"compare/stats.py": "", "records.py": ""})
    found = arch.check_floors(modules, arch.graph(modules))
    assert [(v.check, v.path) for v in found] == [("placement", "compare/stats.py")]


def _function(lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(lines - 1))
    return f"{indent}def main() -> None:\n{body}"


def test_a_function_over_the_limit_is_caught() -> None:
    assert rules.check_function_length(Module("cli", "cli.py", _function(60))) == []
    method = "class A:\n" + _function(61, "    ").replace("def", "async def")
    found = rules.check_function_length(Module("cli", "cli.py", method))
    assert [(v.line, v.message) for v in found] == [(2, "function main has 61 lines (at most 60)")]


def test_a_module_over_the_limit_is_caught() -> None:
    assert rules.check_module_length(Module("cli", "cli.py", "x = 1\n" * 300)) == []
    found = rules.check_module_length(Module("cli", "cli.py", "x = 1\n" * 301))
    assert [v.message for v in found] == ["301 lines (at most 300)"]


def test_subprocess_outside_children_is_caught() -> None:
    source = (
        "import subprocess as sp\n"
        "from subprocess import run\n"
        "def f() -> None:\n"
        "    sp.run(['true'], check=True)\n"
    )
    found = rules.check_subprocess(Module("load.engine", "load/engine.py", source))
    assert [(v.line, v.message) for v in found] == [
        (2, "from subprocess import run outside children"),
        (4, "sp.run outside children"),
    ]
    assert rules.check_subprocess(Module("children", "children.py", source)) == []
    assert rules.check_subprocess(Module("children.spawn", "children/spawn.py", source)) == []


def test_settings_read_as_tables_outside_config_are_caught() -> None:
    source = (
        "def f(cfg, ctx, stack_config, report):\n"
        "    a = ctx.config.section('load')\n"
        "    b = cfg['profile']\n"
        "    c = stack_config.values['x']\n"
        "    d = cfg.__getitem__('run_dir')\n"
        "    e = report['profile'], cfg.profiles, ctx.config.load.locustfile\n"
    )
    found = rules.check_settings_access(Module("layers.load", "layers/load.py", source))
    assert [v.line for v in found] == [2, 3, 4, 5]
    assert rules.check_settings_access(Module("config.load", "config/load.py", source)) == []


# ---------------------------------------------------------------- the doc's tree

DOC = """Intro naming stack/ and x.py outside the tree.
```
src/signoff/
  cli.py                the command
  load/                 the engine: engine.py and
                        plan.py, described (docs/load.md, layers/run.py)
    locust/             _users.py
  stack/
    local.py            the embedded stack, not gone.py
tests/                  ignored.py
```
"""


def _tree(tmp_path: Path, files: list[str]) -> Path:
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    return tmp_path


def test_the_doc_tree_is_read_by_entries_and_folder_descriptions() -> None:
    assert arch.doc_names(DOC) == {
        "cli.py",
        "load",
        "load/engine.py",
        "load/plan.py",
        "load/locust",
        "load/locust/_users.py",
        "stack",
        "stack/local.py",
    }


def test_a_module_missing_from_the_doc_and_a_name_that_does_not_exist_are_caught(
    tmp_path: Path,
) -> None:
    files = ["cli.py", "load/__init__.py", "load/engine.py", "load/plan.py", "stack/__init__.py"]
    files += ["load/locust/__init__.py", "load/locust/_users.py", "report/__init__.py", "init.py"]
    found = arch.check_doc(DOC, _tree(tmp_path, files))
    assert [v.message for v in found] == [
        "init.py is not named in its tree",
        "report is not named in its tree",
        "stack/local.py is named but does not exist",
    ]
    _tree(tmp_path, ["stack/local.py"])
    assert arch.check_doc(DOC.replace("  stack/", "  init.py\n  report/\n  stack/"), tmp_path) == []
