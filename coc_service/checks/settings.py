"""Thresholds and switches of the check catalogue; they come from configuration, not code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from coc_service.vehicles.makes import canonical_make


@dataclass(frozen=True)
class CheckSettings:
    """Configuration of the checks.

    name_match_threshold: 0-100 similarity from which two names are the same person (pass).
    name_warn_threshold: 0-100 similarity from which a mismatch is only doubtful (warn).
    readable_confidence: 0-1 field confidence under which a value counts as uncertain.
    served_makes: canonical makes the shop's catalogue serves; None means every known make.
    check_digit_everywhere: also require the VIN check digit outside North America.
    make_fuzzy_cutoff: 0-100 similarity for recognising an OCR'd or misspelt make name.
    """

    name_match_threshold: float = 85.0
    name_warn_threshold: float = 70.0
    readable_confidence: float = 0.6
    served_makes: frozenset[str] | None = None
    check_digit_everywhere: bool = False
    make_fuzzy_cutoff: float = 86.0

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.name_match_threshold <= 100:
            problems.append("name_match_threshold: a score from 1 to 100")
        if not 0 <= self.name_warn_threshold <= self.name_match_threshold:
            problems.append("name_warn_threshold: from 0 to name_match_threshold")
        if not 0 <= self.readable_confidence <= 1:
            problems.append("readable_confidence: a confidence from 0 to 1")
        if not 50 <= self.make_fuzzy_cutoff <= 100:
            problems.append("make_fuzzy_cutoff: a score from 50 to 100")
        if problems:
            raise ValueError("; ".join(problems))

    def serves(self, make: str) -> bool:
        """Return True when the catalogue serves this canonical make."""
        return self.served_makes is None or make in self.served_makes

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CheckSettings:
        """Return settings from a configuration mapping; unknown keys and bad values raise
        ValueError. `served_makes` may use any alias ("VW"); it is stored canonical."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown check settings: {', '.join(unknown)}")
        values = dict(data)
        if values.get("served_makes") is not None:
            values["served_makes"] = canonical_makes(values["served_makes"])
        for key in ("name_match_threshold", "name_warn_threshold", "readable_confidence",
                    "make_fuzzy_cutoff"):
            if key in values:
                values[key] = float(values[key])
        if "check_digit_everywhere" in values:
            values["check_digit_everywhere"] = bool(values["check_digit_everywhere"])
        return cls(**values)


def canonical_makes(names: Iterable[str]) -> frozenset[str]:
    """Return the canonical names of `names`; raise ValueError naming any unknown make."""
    out, unknown = set(), []
    for name in names:
        canonical = canonical_make(name)
        if canonical is None:
            unknown.append(name)
        else:
            out.add(canonical)
    if unknown:
        raise ValueError(f"unknown makes in served_makes: {', '.join(unknown)}")
    return frozenset(out)
