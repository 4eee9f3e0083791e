"""signoff: measure every release claim on a real stack and sign off on the evidence."""

from __future__ import annotations

from signoff.errors import ConfigError, SignoffError, StackError
from signoff.records import LayerRecord, Status

__all__ = ["ConfigError", "LayerRecord", "SignoffError", "StackError", "Status"]
__version__ = "0.1.0"
