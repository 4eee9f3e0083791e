"""Issued secrets never leak: the registry of every secret a stack was given (`registry`), the
search for them and their usual encodings (`scan`), and the layer's check and redaction (`guard`).
"""

from __future__ import annotations

from signoff.leaks.registry import Secret, Secrets, looks_secret, mask

__all__ = ["Secret", "Secrets", "looks_secret", "mask"]
