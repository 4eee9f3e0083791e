"""How latency series are named: `<endpoint> | <profile>/<phase>` (the load layer names them,
the judge groups them by where they were measured)."""

from __future__ import annotations

SEP = " | "


def key(endpoint: str, where: str) -> str:
    """The series of one endpoint in one place (`spike/baseline`: a profile's phase)."""
    return f"{endpoint}{SEP}{where}"


def place(series: str) -> str:
    """Where a series was measured (`spike/baseline`); "" for a series named otherwise."""
    return series.partition(SEP)[2]


def whole_profile(series: str) -> str:
    """The series of the same endpoint over every phase of its profile (`GET /x | spike`)."""
    endpoint, sep, where = series.partition(SEP)
    return f"{endpoint}{sep}{where.split('/', 1)[0]}" if sep else series
