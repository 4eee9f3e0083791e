"""The service's own Python (`[target] python`): found, checked, and asked what it has.

signoff never installs itself into the service's environment. The service's commands and its
declared suites run under that interpreter; when its environment has no coverage.py, a folder
holding only signoff's own `coverage` package goes on PYTHONPATH to measure it there.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path

from signoff import children
from signoff.errors import ConfigError, StackStartError
from signoff.target import check_python, python_path

# the first words of a command that mean "the service's Python"
PYTHONS = ("python", "python3", "{python}")
BOOTSTRAP = "coverage-bootstrap"


def resolve(root: Path, setting: str) -> str:
    """The interpreter of the service's commands: `setting`'s, or signoff's own when empty."""
    if not setting:
        return sys.executable
    check_python(root, setting)
    path = str(python_path(root, setting))
    if not _answers(path):
        raise ConfigError(
            f"'target.python' is {setting!r}, which does not run as a Python interpreter.",
            hint="point it at the python of the service's virtual environment, or its folder.",
        )
    return path


@functools.cache
def _answers(python: str) -> bool:
    try:
        done = children.run([python, "-c", "import sys; print(sys.hexversion)"], capture=True)
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip().isdigit()


@functools.cache
def has_module(python: str, name: str, path: str = "") -> bool:
    """Whether `python` imports `name` (with `path` alone as its PYTHONPATH)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if path:
        env["PYTHONPATH"] = path
    code = f"import importlib; importlib.import_module({name!r})"
    return children.run([python, "-c", code], env=env, capture=True).returncode == 0


def own(python: str) -> bool:
    return python == sys.executable


def require(python: str, name: str, why: str) -> None:
    """A clear error when the service's environment lacks a package signoff cannot lend it."""
    if not own(python) and not has_module(python, name):
        raise StackStartError(
            f"The service's interpreter {python} cannot import {name}, which {why}.",
            hint=f"install it there: {python} -m pip install {name}",
        )


def coverage_path(python: str, folder: Path) -> str:
    """What to put on PYTHONPATH so that `python -m coverage` runs: "" when the environment
    has coverage.py, else a folder in `folder` that lends it signoff's own."""
    import coverage

    if own(python) or has_module(python, "coverage"):
        return ""
    lent = folder / BOOTSTRAP
    lent.mkdir(parents=True, exist_ok=True)
    link = lent / "coverage"
    # a layer beside this one may lend it first
    with contextlib.suppress(FileExistsError):
        link.symlink_to(Path(coverage.__file__).parent, target_is_directory=True)
    if not has_module(python, "coverage", str(lent)):
        raise StackStartError(
            f"The service's interpreter {python} has no coverage.py, and signoff's own "
            f"(coverage {coverage.__version__}) does not import there.",
            hint=f"install it there: {python} -m pip install coverage",
        )
    return str(lent)
