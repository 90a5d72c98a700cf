"""Runs the check catalogue on an order from the database and stores the results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from coc_service.checks.catalogue import run_checks
from coc_service.checks.order_facts import Customer, OrderFacts, Vehicle
from coc_service.checks.settings import CheckSettings
from coc_service.checks.triage import DEFAULT_POLICY, TriagePolicy, triage
from coc_service.db.orders import CheckResult, Document, Order
from coc_service.db.suppliers import CatalogueEntry
from coc_service.orders.lifecycle import FINAL, OrderStatus
from coc_service.vehicles.vin import normalise_vin

if TYPE_CHECKING:
    from coc_service.config import Settings
    from coc_service.runtime import Runtime

#: orders that still count as "open" for the duplicate-VIN fraud signal
_CLOSED = {s.value for s in FINAL}


def order_facts(order: Order) -> OrderFacts:
    """Return the facts the checks compare, from the order's snapshot at submission."""
    snap = order.customer_snapshot or {}
    submitted = order.submitted_at or order.created_at
    return OrderFacts(
        customer=Customer(
            first_name=snap.get("first_name") or "",
            last_name=snap.get("last_name") or "",
            email=snap.get("email") or "",
            phone=snap.get("phone"),
            company_name=snap.get("company_name"),
            siren=snap.get("siren"),
            vat_number=snap.get("vat_number"),
        ),
        vehicle=Vehicle(
            vin=order.vin,
            first_registration_date=order.first_registration_date,  # type: ignore[arg-type]
            make=order.make,
        ),
        submitted_at=submitted.date(),
    )


def extraction_of(document: Document) -> dict[str, Any]:
    """Return the document's extract JSON; a document that could not be read says why."""
    if document.extraction:
        return dict(document.extraction)
    return {
        "file": document.kind,
        "status": "rejected",
        "error": {"code": document.error_code or "missing",
                  "message": document.error_message or "the document could not be read"},
        "document_type": "unknown",
        "country": None,
        "pages": 0,
        "fields": {},
        "mrz": None,
        "timings_ms": {},
    }


@dataclass
class DatabaseDuplicates:
    """Answers the duplicate checks from the orders table."""

    session: Session
    order: Order

    def other_open_orders_with_vin(self, vin: str) -> list[str]:
        stmt = select(Order.reference).where(
            Order.vin == normalise_vin(vin), Order.id != self.order.id,
            Order.status.not_in(_CLOSED), Order.status != OrderStatus.DRAFT.value,
        )
        return list(self.session.scalars(stmt))

    def other_customers_with_identity(self, doc_number: str) -> list[str]:
        stmt = (
            select(Order.reference, Order.customer_snapshot, Document.fields)
            .join(Document, Document.order_id == Order.id)
            .where(Document.kind == "identity", Order.id != self.order.id)
        )
        mine = (self.order.customer_snapshot or {}).get("email", "").lower()
        found = []
        for reference, snapshot, fields in self.session.execute(stmt):
            number = ((fields or {}).get("document_number") or {}).get("value")
            other = (snapshot or {}).get("email", "").lower()
            if number and number == doc_number and other != mine:
                found.append(reference)
        return found


def check_settings(session: Session, settings: Settings) -> CheckSettings:
    served = session.scalars(select(CatalogueEntry.make).where(CatalogueEntry.active.is_(True)))
    return CheckSettings(
        name_match_threshold=settings.name_match_threshold,
        name_warn_threshold=min(70.0, settings.name_match_threshold),
        readable_confidence=settings.readable_confidence,
        served_makes=frozenset(served) or None,
    )


def triage_policy(settings: Settings) -> TriagePolicy:
    if settings.triage_policy_file is None:
        return DEFAULT_POLICY
    return _load_policy(settings.triage_policy_file)


@lru_cache(maxsize=4)
def _load_policy(path: Path) -> TriagePolicy:
    return TriagePolicy.from_dict(json.loads(path.read_text(encoding="utf-8")))


def run_catalogue(
    session: Session, runtime: Runtime, order: Order, documents: list[Document]
) -> tuple[str, list[str]]:
    """Run every check, replace the order's stored results, return (outcome, reasons)."""
    results = run_checks(
        order_facts(order),
        [extraction_of(d) for d in documents],
        check_settings(session, runtime.settings),
        DatabaseDuplicates(session, order),
    )
    decision = triage(results, triage_policy(runtime.settings))
    session.execute(delete(CheckResult).where(CheckResult.order_id == order.id))
    for position, check in enumerate(results):
        data = check.to_json()
        session.add(CheckResult(
            order_id=order.id, position=position, name=check.name, status=check.status,
            detail=check.detail, detail_fr=check.detail_fr,
            evidence={"reason": check.reason, "items": data.get("evidence", [])},
        ))
    session.flush()
    session.expire(order, ["checks"])
    reasons = [f"{r.name}: {r.status}" for r in decision.reasons]
    return decision.outcome, reasons
