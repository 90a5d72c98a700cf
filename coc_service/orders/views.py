"""The customer's view of an order as plain JSON-ready data (the API's GET shape, the order page's).

Only what the customer may see: no internal reasons, no extraction details, no storage keys.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from coc_service.db.orders import Document, Order
from coc_service.orders.lifecycle import OrderStatus
from coc_service.orders.processing import SCAN_KINDS
from coc_service.orders.staff import REUPLOAD_REQUESTED

S = OrderStatus

#: the customer-facing name of each state, (English, French)
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("Draft", "Brouillon"),
    "submitted": ("Received", "Reçue"),
    "processing": ("Checking your documents", "Vérification de vos documents"),
    "auto_approved": ("Documents approved", "Documents validés"),
    "needs_review": ("Being reviewed by our team", "En cours d'examen par notre équipe"),
    "approved": ("Documents approved", "Documents validés"),
    "rejected": ("Refused", "Refusée"),
    "awaiting_customer": (
        "Waiting for a document from you", "En attente d'un document de votre part"
    ),
    "forwarded": ("Sent to the manufacturer", "Transmise au constructeur"),
    "acknowledged": ("Accepted by the manufacturer", "Acceptée par le constructeur"),
    "certificate_received": ("Certificate ready", "Certificat disponible"),
    "completed": ("Completed", "Terminée"),
    "cancelled": ("Cancelled", "Annulée"),
}
KIND_LABELS = {
    "identity": ("identity document", "pièce d'identité"),
    "registration": ("registration certificate", "certificat d'immatriculation"),
    "certificate": ("certificate of conformity", "certificat de conformité"),
}
# customer-facing reasons are those a person wrote for the customer
_REASON_SHOWN = frozenset({S.REJECTED.value, S.CANCELLED.value})


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale.startswith("fr") else pair[0]


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def status_label(status: str, locale: str = "en") -> str:
    return _pick(STATUS_LABELS.get(status, (status, status)), locale)


def document_view(document: Document) -> dict[str, Any]:
    """Return the customer's view of one document (the API's document object)."""
    error = None
    if document.error_code:
        error = {"code": document.error_code, "message": document.error_message or ""}
    return {
        "id": document.id,
        "kind": document.kind,
        "status": document.status,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "created_at": _iso(document.created_at),
        "document_type": document.document_type,
        "quality": document.quality,
        "error": error,
        "downloadable": document.kind == "certificate" and document.storage_key is not None,
    }


def order_view(order: Order, *, locale: str = "en") -> dict[str, Any]:
    """Return the order as the API's GET shape plus timeline, explanations and next actions.

    Keys: id, reference, status, status_label, created_at, submitted_at, status_changed_at,
    vehicle, delivery_option, price {amount_cents, currency}, checks [{name, status, detail}],
    documents [document_view], timeline [{status, label, at, reason}], explanations
    [{code, message}], actions [codes such as "upload_identity", "submit",
    "reupload_registration", "download_certificate"].
    """
    # the supplier's bundle is ours and the supplier's working copy, not the customer's
    documents = [d for d in order.current_documents() if d.kind != "bundle"]
    fr = locale.startswith("fr")
    return {
        "id": order.id,
        "reference": order.reference,
        "status": order.status,
        "status_label": status_label(order.status, locale),
        "created_at": _iso(order.created_at),
        "submitted_at": _iso(order.submitted_at),
        "status_changed_at": _iso(order.status_changed_at),
        "vehicle": {
            "vin": order.vin,
            "make": order.make,
            "first_registration_date": _iso(order.first_registration_date),
            "registration_number": order.registration_number,
        },
        "delivery_option": order.delivery_option,
        "price": {"amount_cents": order.price_cents, "currency": order.currency},
        "checks": [
            {"name": c.name, "status": c.status,
             "detail": (c.detail_fr or c.detail) if fr else c.detail}
            for c in order.checks
        ],
        "documents": [document_view(d) for d in documents],
        "timeline": [
            {"status": t.to_status, "label": status_label(t.to_status, locale),
             "at": _iso(t.created_at),
             "reason": t.reason if t.to_status in _REASON_SHOWN else None}
            for t in order.transitions
        ],
        "explanations": explanations(order, locale=locale),
        "actions": next_actions(order),
    }


def next_actions(order: Order) -> list[str]:
    """Return what the customer can do now, as stable codes the pages turn into buttons."""
    documents = order.current_documents()
    kinds = {d.kind for d in documents}
    actions: list[str] = []
    if order.status == S.DRAFT.value:
        actions += [f"upload_{k}" for k in SCAN_KINDS if k not in kinds]
        if all(k in kinds for k in SCAN_KINDS):
            actions.append("submit")
    if order.status == S.AWAITING_CUSTOMER.value:
        actions += [f"reupload_{d.kind}" for d in documents if d.error_code == REUPLOAD_REQUESTED]
    if any(d.kind == "certificate" and d.storage_key for d in documents):
        actions.append("download_certificate")
    return actions


def explanations(order: Order, *, locale: str = "en") -> list[dict[str, str]]:
    """Return plain-words messages telling the customer where the order stands and why."""
    fr = locale.startswith("fr")
    out: list[dict[str, str]] = []

    def say(code: str, en: str, french: str) -> None:
        out.append({"code": code, "message": french if fr else en})

    documents = order.current_documents()
    status = order.status
    if status == S.DRAFT.value:
        for kind in SCAN_KINDS:
            if not any(d.kind == kind for d in documents):
                label = KIND_LABELS[kind]
                say(f"missing_{kind}", f"Please upload your {label[0]}.",
                    f"Veuillez déposer votre {label[1]}.")
    if status == S.AWAITING_CUSTOMER.value:
        for d in documents:
            if d.error_code == REUPLOAD_REQUESTED:
                label = KIND_LABELS.get(d.kind, (d.kind, d.kind))
                reason = d.error_message or ""
                say(f"reupload_{d.kind}", f"Please upload a new {label[0]}. {reason}".strip(),
                    f"Veuillez déposer un nouveau document : {label[1]}. {reason}".strip())
    if status == S.NEEDS_REVIEW.value:
        say("in_review", "Our team is checking your order; you need to do nothing for now.",
            "Notre équipe examine votre commande ; vous n'avez rien à faire pour l'instant.")
    if status in (S.AWAITING_CUSTOMER.value, S.NEEDS_REVIEW.value, S.REJECTED.value):
        for check in order.checks:
            if check.status == "fail":
                detail = (check.detail_fr or check.detail) if fr else check.detail
                if detail:
                    out.append({"code": f"check_{check.name}", "message": detail})
    if status == S.REJECTED.value:
        last = next((t for t in reversed(order.transitions) if t.to_status == status), None)
        say("rejected", "Your order was refused. " + (last.reason if last else ""),
            "Votre commande a été refusée. " + (last.reason if last else ""))
    if status in (S.CERTIFICATE_RECEIVED.value, S.COMPLETED.value) and any(
        d.kind == "certificate" for d in documents
    ):
        say("certificate_ready", "Your certificate is ready to download.",
            "Votre certificat est prêt à être téléchargé.")
    return out
