"""The order's lifecycle as the customer sees it: milestones, and plain-words explanations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from coc_service.db.orders import Order
from coc_service.orders.lifecycle import OrderStatus
from coc_service.orders.views import explanations as order_explanations
from coc_service.orders.views import next_actions, status_label

S = OrderStatus
# each milestone of the happy path and the states in which the order sits at that milestone
MILESTONES: tuple[tuple[str, frozenset[str]], ...] = (
    ("received", frozenset({S.SUBMITTED.value})),
    ("checking", frozenset({S.PROCESSING.value, S.NEEDS_REVIEW.value,
                            S.AWAITING_CUSTOMER.value})),
    ("approved", frozenset({S.AUTO_APPROVED.value, S.APPROVED.value})),
    ("forwarded", frozenset({S.FORWARDED.value})),
    ("acknowledged", frozenset({S.ACKNOWLEDGED.value})),
    ("certificate", frozenset({S.CERTIFICATE_RECEIVED.value, S.COMPLETED.value})),
)
ENDED = frozenset({S.REJECTED.value, S.CANCELLED.value})
#: states after which nothing changes any more: the page stops asking
SETTLED = frozenset({S.COMPLETED.value, S.REJECTED.value, S.CANCELLED.value})


def _milestone_labels() -> dict[str, str]:
    return {
        "received": _("Commande reçue"),
        "checking": _("Vérification de vos documents"),
        "approved": _("Dossier validé"),
        "forwarded": _("Transmise au constructeur"),
        "acknowledged": _("Acceptée par le constructeur"),
        "certificate": _("Certificat disponible"),
    }


@dataclass
class Milestone:
    code: str
    label: str
    state: str  # done | current | todo | ended
    at: datetime | None = None


def timeline(order: Order, locale: str) -> list[Milestone]:
    """Return the milestones with when each was reached and where the order stands now."""
    reached: dict[str, datetime] = {}
    for transition in order.transitions:
        for code, states in MILESTONES:
            if transition.to_status in states:
                reached[code] = transition.created_at
    current = next((i for i, (_c, states) in enumerate(MILESTONES) if order.status in states), -1)
    if order.status in ENDED:
        current = max((i for i, (c, _s) in enumerate(MILESTONES) if c in reached), default=-1)
    labels = _milestone_labels()
    out: list[Milestone] = []
    for index, (code, _states) in enumerate(MILESTONES):
        label = labels[code]
        if index < current:
            state = "done"
        elif index == current:
            state = "done" if order.status in ENDED else "current"
            if order.status not in ENDED and code == "checking":
                label = status_label(order.status, locale)  # in review / waiting for you
        else:
            state = "todo"
        out.append(Milestone(code, label, state, reached.get(code) if state != "todo" else None))
    if order.status in ENDED:
        out.append(Milestone(order.status, status_label(order.status, locale), "ended",
                             order.status_changed_at))
    return out


def check_explanations(order: Order, locale: str) -> list[dict[str, Any]]:
    """Return what the customer should know about the checks, in plain words.

    Uses the check catalogue's own customer texts, which leave out what is for staff only.
    """
    from coc_service.checks.explanations import explain_all
    from coc_service.checks.results import CheckResult

    results = []
    for row in order.checks:
        evidence = row.evidence if isinstance(row.evidence, dict) else {}
        reason = str(evidence.get("reason") or getattr(row, "reason", "") or "")
        results.append(CheckResult(name=row.name, status=row.status,  # type: ignore[arg-type]
                                   detail=row.detail, detail_fr=row.detail_fr, reason=reason))
    fr = locale.startswith("fr")
    return [
        {"check": check.name, "message": text.fr if fr else text.en,
         "upload_again": text.upload_again}
        for check, text in explain_all(results)
    ]


def status_notes(order: Order, locale: str) -> list[str]:
    """Return the order's own notes (missing file, re-upload asked, refusal, certificate)."""
    return [e["message"] for e in order_explanations(order, locale=locale)
            if not e["code"].startswith("check_")]


def live_state(order: Order, locale: str) -> dict[str, Any]:
    """Return everything the order page shows that changes with the order's progress."""
    shows_checks = order.status in (S.NEEDS_REVIEW.value, S.AWAITING_CUSTOMER.value,
                                    S.REJECTED.value)
    return {
        "status": order.status,
        "status_label": status_label(order.status, locale),
        "timeline": timeline(order, locale),
        "notes": status_notes(order, locale),
        "checks": check_explanations(order, locale) if shows_checks else [],
        "actions": next_actions(order),
        "settled": order.status in SETTLED,
        "version": f"{order.status}:{order.status_changed_at.isoformat()}:"
                   f"{len(order.current_documents())}",
    }
