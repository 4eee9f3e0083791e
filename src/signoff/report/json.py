"""JSON: the results document itself (`signoff.results/1`)."""

from __future__ import annotations

import json
from typing import ClassVar

from signoff.report.interface import Renderer
from signoff.report.results import Results


class JsonRenderer(Renderer):
    suffix: ClassVar[str] = ".json"

    def format(self, results: Results) -> str:
        return json.dumps(results.to_json(), indent=1, sort_keys=True, default=str) + "\n"
