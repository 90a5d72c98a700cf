"""The retention policy: one declarative table of what is kept, from when, how long and why.

`DEFAULT_POLICY` is the table; `load_policy` applies the durations an operator sets in the JSON
file named by COC_RETENTION_POLICY_FILE, for example::

    {"scans": "45d", "audit_events": {"keep_for": "6m"}}

Only durations may change: what is kept, from which event, why and what happens at the end are
fixed here so that the table stays the single readable statement of the policy. Durations are
``<n>y``, ``<n>m`` and ``<n>d`` parts (``10y``, ``18m``, ``1y6m``, ``30d``); a row with a legal
minimum (the accounting archive) refuses a shorter period.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from coc_service.errors import ConfigError


class Action(StrEnum):
    """What happens to the data when its period ends."""

    ERASE = "erase"  # stored objects deleted (every version) and the order's data key shredded
    REDUCE = "reduce"  # cut down to what proves the processing happened, or anonymised
    RESTRICT = "restrict"  # moved to the restricted archive: privacy role, legal purpose only
    DELETE_ROW = "delete-row"  # database rows deleted


class Anchor(StrEnum):
    """The event a period is counted from."""

    ORDER_CLOSED = "order closed (completed, cancelled or rejected)"
    SUPPLIER_ACKNOWLEDGED = "supplier acknowledged the order"
    CERTIFICATE_DELIVERED = "certificate delivered (order completed)"
    LAST_ACTIVITY = "last activity on the draft"
    LAST_ORDER_OR_CONTACT = "last order or contact"
    FISCAL_YEAR_END = "end of the financial year in which the order closed (31 December)"
    RECORDED = "event recorded"


_PERIOD = re.compile(r"(?:(\d{1,3})y)?(?:(\d{1,4})m)?(?:(\d{1,5})d)?")


@dataclass(frozen=True)
class Period:
    """A calendar duration: years, months and days (years stay years across leap days)."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: object) -> Period:
        """Return the period written as ``10y``, ``18m``, ``30d`` or a combination."""
        match = _PERIOD.fullmatch(text.strip().lower()) if isinstance(text, str) else None
        if not match or not any(match.groups()):
            raise ValueError(f"{text!r} is not a duration like 30d, 18m or 10y")
        years, months, days = (int(g or 0) for g in match.groups())
        return cls(years, months, days)

    def before(self, moment: datetime) -> datetime:
        """Return `moment` minus this period: data anchored at or before it has expired."""
        return moment - relativedelta(years=self.years, months=self.months, days=self.days)

    def after(self, moment: datetime) -> datetime:
        """Return when data anchored at `moment` expires."""
        return moment + relativedelta(years=self.years, months=self.months, days=self.days)

    def approx_days(self) -> float:
        return self.years * 365.25 + self.months * 30.44 + self.days

    def __str__(self) -> str:
        parts = [f"{n}{unit}" for n, unit in ((self.years, "y"), (self.months, "m"),
                                              (self.days, "d")) if n]
        return "".join(parts) or "0d"


@dataclass(frozen=True)
class RetentionRule:
    """One row of the policy table."""

    key: str
    keeps: str
    anchor: Anchor
    keep_for: Period
    action: Action
    why: str
    minimum: Period | None = None  # a legal minimum configuration may not go under


DEFAULT_POLICY: tuple[RetentionRule, ...] = (
    RetentionRule(
        "draft_orders", "orders never submitted, with their uploads", Anchor.LAST_ACTIVITY,
        Period(days=7), Action.DELETE_ROW,
        "GDPR art. 5(1)(c),(e): an abandoned draft serves no purpose; a week lets a customer "
        "come back to finish it"),
    RetentionRule(
        "supplier_bundles", "bundles forwarded to the supplier (they hold copies of the scans)",
        Anchor.SUPPLIER_ACKNOWLEDGED, Period(days=7), Action.ERASE,
        "GDPR art. 5(1)(e): the supplier has its copy once it acknowledges; a week covers a "
        "re-send"),
    RetentionRule(
        "scans", "identity and registration scans (every uploaded version, and any copy left in "
        "a supplier bundle)", Anchor.ORDER_CLOSED,
        Period(days=30), Action.ERASE,
        "GDPR art. 5(1)(c),(e) and CNIL guidance: copies of identity papers only while needed "
        "for the check; 30 days covers a dispute about it"),
    RetentionRule(
        "identity_data", "data read from the scans and the check details",
        Anchor.ORDER_CLOSED, Period(days=30), Action.REDUCE,
        "GDPR art. 5(1)(c) and 5(2): keep only what proves the check was made (document type, "
        "masked number, validity, outcome)"),
    RetentionRule(
        "closed_account_orders", "orders of deactivated or erased accounts, once they close",
        Anchor.ORDER_CLOSED, Period(), Action.RESTRICT,
        "GDPR art. 17(3)(b) and 18: documents erased at once, the record kept restricted for "
        "the legal archive only"),
    RetentionRule(
        "certificates", "certificates of conformity issued to the customer",
        Anchor.CERTIFICATE_DELIVERED, Period(years=1), Action.ERASE,
        "GDPR art. 6(1)(b): the customer may download the certificate again for a year"),
    RetentionRule(
        "customer_accounts", "customer accounts, profiles and marketing data (anonymised; "
        "their closed orders move to the restricted archive)",
        Anchor.LAST_ORDER_OR_CONTACT, Period(years=3), Action.REDUCE,
        "CNIL référentiel « gestion des activités commerciales » (2020): 3 years after the "
        "last order or contact"),
    RetentionRule(
        "order_records", "order and invoice records, in the restricted archive",
        Anchor.FISCAL_YEAR_END, Period(years=10), Action.DELETE_ROW,
        "Code de commerce art. L123-22: accounting records and vouchers kept 10 years",
        minimum=Period(years=10)),
    RetentionRule(
        "audit_events", "audit log events (the chain is kept verifiable by a checkpoint)",
        Anchor.RECORDED, Period(years=1), Action.DELETE_ROW,
        "CNIL recommendation on logging (délibération 2021-122): 6 months to 1 year"),
)


@dataclass(frozen=True)
class RetentionPolicy:
    """The policy table in force: the default rows with the configured durations."""

    rules: tuple[RetentionRule, ...] = DEFAULT_POLICY

    def rule(self, key: str) -> RetentionRule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)

    def cutoff(self, key: str, now: datetime) -> datetime:
        """Return the moment at or before which data of row `key` has expired at `now`."""
        return self.rule(key).keep_for.before(now)

    def as_table(self) -> list[dict[str, str]]:
        """Return the rows as plain strings (for the CLI and the privacy pages)."""
        return [{"key": r.key, "keeps": r.keeps, "from": r.anchor.value,
                 "keep_for": str(r.keep_for), "then": r.action.value, "why": r.why}
                for r in self.rules]


def policy_from_mapping(overrides: Mapping[str, Any]) -> RetentionPolicy:
    """Return the default policy with `overrides` ({row key: duration}); raise ConfigError."""
    if not isinstance(overrides, Mapping):
        raise ConfigError(["COC_RETENTION_POLICY_FILE: expected a JSON object of row: duration"])
    known = {rule.key: rule for rule in DEFAULT_POLICY}
    problems: list[str] = []
    changed: dict[str, Period] = {}
    for key, value in overrides.items():
        rule = known.get(key)
        if rule is None:
            problems.append(f"retention policy: unknown row {key!r} (known: {', '.join(known)})")
            continue
        raw = value.get("keep_for") if isinstance(value, Mapping) else value
        if isinstance(value, Mapping) and set(value) - {"keep_for"}:
            problems.append(f"retention policy: {key}: only keep_for may be changed")
            continue
        try:
            period = Period.parse(raw)
        except ValueError as exc:
            problems.append(f"retention policy: {key}: {exc}")
            continue
        if rule.minimum is not None and period.approx_days() < rule.minimum.approx_days():
            problems.append(f"retention policy: {key}: the law requires at least "
                            f"{rule.minimum} ({rule.why.split(':')[0]})")
            continue
        changed[key] = period
    if problems:
        raise ConfigError(problems)
    return RetentionPolicy(tuple(
        replace(rule, keep_for=changed[rule.key]) if rule.key in changed else rule
        for rule in DEFAULT_POLICY
    ))


def load_policy(path: Path | str | None) -> RetentionPolicy:
    """Return the policy in force: the defaults, with the durations of the JSON file if any."""
    if path is None:
        return RetentionPolicy()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError([f"COC_RETENTION_POLICY_FILE: cannot be read as JSON ({exc})"]) from None
    return policy_from_mapping(data)
