"""Exceptions raised by signoff, and the one place that turns them into a message and an exit.

SignoffError                 every error signoff raises on purpose
├── ConfigError              [tool.signoff] or signoff.toml is not valid
├── EvidenceError            a record or artifact is missing, empty or unreadable
├── UsageError               a command-line argument is not valid
└── StackError               the target stack could not be provided
    ├── ProviderUnavailable  the chosen provider cannot run on this machine
    ├── StackStartError      a component did not come up (names the component and its log)
    └── ControlUnsupported   a fault control the provider does not offer
"""

from __future__ import annotations

import sys
from typing import NoReturn


class SignoffError(Exception):
    """An error with a message meant for a person; `hint` says what to do next."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(SignoffError):
    """The configuration is not valid."""


class EvidenceError(SignoffError):
    """A record or artifact is missing, empty or unreadable."""


class UsageError(SignoffError):
    """A command-line argument is not valid."""


class StackError(SignoffError):
    """The target stack could not be provided."""


class ProviderUnavailable(StackError):
    """The chosen stack provider cannot run on this machine."""


class StackStartError(StackError):
    """A stack component did not come up in time."""


class ControlUnsupported(StackError):
    """The provider does not offer this fault control."""


def fatal(error: SignoffError, code: int = 2) -> NoReturn:
    """Print the error as one sentence (and its tip) on stderr and exit non-zero."""
    print(f"signoff: error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"Tip: {error.hint}", file=sys.stderr)
    raise SystemExit(code)
