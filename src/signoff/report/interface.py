"""The renderer interface: one output format per module, each `format(results) -> str`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from signoff.report.results import Results


class Renderer(ABC):
    """Turns a run's results document into one file, `report<suffix>` in the run directory."""

    suffix: ClassVar[str]

    @abstractmethod
    def format(self, results: Results) -> str:
        """The whole document as text."""
