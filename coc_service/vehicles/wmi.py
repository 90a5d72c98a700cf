"""World Manufacturer Identifiers: which make(s) the first three characters of a VIN stand for.

The table lives in wmi.json beside this module (package data) and is loaded once, on first use.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from coc_service.vehicles.vin import normalise_vin


@cache
def _table() -> dict[str, tuple[str, ...]]:
    raw = resources.files("coc_service.vehicles").joinpath("wmi.json").read_text("utf-8")
    data = json.loads(raw)
    return {code: tuple(makes) for code, makes in data["wmi"].items()}


def makes_for_wmi(wmi: str) -> set[str]:
    """Return the canonical makes a WMI stands for (empty when the WMI is not in the table)."""
    return set(_table().get(normalise_vin(wmi)[:3], ()))


def make_for_vin(vin: str) -> str | None:
    """Return the main make a VIN's WMI stands for (the first listed when a group shares the
    WMI, e.g. Seat for VSS), or None when the WMI is unknown."""
    makes = _table().get(normalise_vin(vin)[:3], ())
    return makes[0] if makes else None


def known_wmi(wmi: str) -> bool:
    """Return True when the WMI is in the table."""
    return normalise_vin(wmi)[:3] in _table()


def wmi_count() -> int:
    """Return how many WMIs the table holds."""
    return len(_table())


def make_for_wmi(wmi: str) -> str | None:
    """Return the main make a WMI stands for, or None (the document readers' name for it)."""
    return make_for_vin(wmi)
