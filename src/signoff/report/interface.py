"""The renderer interface: one output format per module, each `format(result) -> str`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from signoff.report.model import RunResult


class Renderer(ABC):
    """Turns a run's results into one document."""

    suffix: ClassVar[str]

    @abstractmethod
    def format(self, result: RunResult) -> str:
        """The whole document as text."""
