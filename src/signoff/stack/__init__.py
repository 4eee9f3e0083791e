"""Stack providers: one interface, three ways to get a target stack (local, containers, url)."""

from __future__ import annotations

from signoff.stack.interface import StackControls, StackHandle, StackProvider
from signoff.stack.select import choose_provider

__all__ = ["StackControls", "StackHandle", "StackProvider", "choose_provider"]
