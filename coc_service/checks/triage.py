"""Triage: from the checks' results to `auto_approved` or `flagged`, by a configurable policy.

A policy says, per check, what its `fail` and its `warn` do: "flag" (a person reviews the order)
or "pass". `skip` never flags. The defaults are a careful clerk's:

- every fail flags;
- every warn flags, except three whose warnings are informative rather than doubtful:
  - documents_readable: a value read with low confidence is judged by the check that compares
    it (an exact match with the order is good evidence; a mismatch fails that check), and a poor
    photo that was read fully needs no retake;
  - registration_holder_match: the holder often differs for a recently bought used car, and the
    person on the identity document is already matched to the customer by name_match;
  - contact_valid: a doubtful phone number does not prevent ordering the certificate (a bad
    e-mail address is a fail).
  Duplicates, doubtful names, unknown makes or WMIs, small-series approvals and unknown expiry
  dates all flag: they are exactly what a person should look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from coc_service.checks.catalogue import CHECK_NAMES
from coc_service.checks.results import CheckResult, result

Action = Literal["flag", "pass"]
Outcome = Literal["auto_approved", "flagged"]
_ACTIONS = ("flag", "pass")
# Checks the contract (CONTRACTS.md, check-order) requires; if one is missing the order is
# flagged, whatever the policy.
REQUIRED_CHECKS = ("document_types", "documents_readable", "vin_match",
                   "first_registration_date_match", "make_match", "mrz_valid", "id_not_expired",
                   "name_match", "siren_valid", "vat_valid")


@dataclass(frozen=True)
class CheckPolicy:
    """What a fail and a warn of one check do."""

    fail: Action = "flag"
    warn: Action = "flag"


_DEFAULT_RULES: dict[str, CheckPolicy] = {
    "documents_readable": CheckPolicy(warn="pass"),
    "registration_holder_match": CheckPolicy(warn="pass"),
    "contact_valid": CheckPolicy(warn="pass"),
}


@dataclass(frozen=True)
class TriagePolicy:
    """Per-check actions; checks not listed use `default`."""

    rules: Mapping[str, CheckPolicy] = field(default_factory=lambda: dict(_DEFAULT_RULES))
    default: CheckPolicy = CheckPolicy()

    def action(self, check: CheckResult) -> Action:
        """Return what this result does to the order."""
        if check.status in ("pass", "skip"):
            return "pass"
        rule = self.rules.get(check.name, self.default)
        return rule.fail if check.status == "fail" else rule.warn

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TriagePolicy:
        """Return the default policy changed by `data`; raise ValueError on anything unknown.

        Shape: {"default": {"fail": "flag", "warn": "flag"},
                "checks": {"registration_holder_match": {"warn": "flag"}, ...}}.
        """
        if not isinstance(data, Mapping):
            raise ValueError("a triage policy is a JSON object")
        problems: list[str] = [f"unknown key {k!r}" for k in data if k not in ("default", "checks")]
        default = _rule(data.get("default", {}), CheckPolicy(), "default", problems)
        checks = data.get("checks", {})
        rules = dict(_DEFAULT_RULES)
        if not isinstance(checks, Mapping):
            problems.append("checks: must be an object")
            checks = {}
        for name, spec in checks.items():
            if name not in CHECK_NAMES:
                problems.append(f"checks.{name}: no such check")
                continue
            rules[name] = _rule(spec, rules.get(name, default), f"checks.{name}", problems)
        if problems:
            raise ValueError("invalid triage policy: " + "; ".join(problems))
        return cls(rules=rules, default=default)

    def to_dict(self) -> dict[str, Any]:
        """Return the policy in the shape from_dict reads."""
        return {"default": {"fail": self.default.fail, "warn": self.default.warn},
                "checks": {n: {"fail": r.fail, "warn": r.warn} for n, r in self.rules.items()}}


def _rule(spec: Any, base: CheckPolicy, where: str, problems: list[str]) -> CheckPolicy:
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: must be an object")
        return base
    values = {"fail": base.fail, "warn": base.warn}
    for key, action in spec.items():
        if key not in values:
            problems.append(f"{where}.{key}: only 'fail' and 'warn' can be set")
        elif action not in _ACTIONS:
            problems.append(f"{where}.{key}: must be 'flag' or 'pass'")
        else:
            values[key] = action
    return CheckPolicy(fail=cast(Action, values["fail"]), warn=cast(Action, values["warn"]))


DEFAULT_POLICY = TriagePolicy()


@dataclass(frozen=True)
class TriageDecision:
    """The outcome, and the results that decided it (empty when auto-approved)."""

    outcome: Outcome
    reasons: tuple[CheckResult, ...]


def triage(results: Iterable[CheckResult], policy: TriagePolicy = DEFAULT_POLICY) -> TriageDecision:
    """Return `auto_approved` when no result flags under `policy`, else `flagged` with the
    flagging results. An evaluation missing a check the contract requires is flagged."""
    results = list(results)
    reasons = [r for r in results if policy.action(r) == "flag"]
    missing = [n for n in REQUIRED_CHECKS if n not in {r.name for r in results}]
    if missing:
        reasons.append(result("triage", "fail", "missing_checks",
                              f"Checks missing from the evaluation: {', '.join(missing)}.",
                              f"Vérifications absentes de l'évaluation : {', '.join(missing)}."))
    return TriageDecision(outcome="flagged" if reasons else "auto_approved",
                          reasons=tuple(reasons))
