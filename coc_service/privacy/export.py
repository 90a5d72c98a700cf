"""Right of access and portability (GDPR art. 15 and 20): a ZIP of the customer's data.

The archive holds ``data.json`` (account, profile, addresses, consents, orders with their
timeline, check results and documents' read data, privacy requests), the customer's documents
decrypted under ``documents/<order reference>/`` and a short README. It is written entry by
entry into any binary file-like, also an unseekable one (an HTTP response stream), copying each
document in chunks, so memory stays flat whatever the documents weigh.

Staff members are people too: the timeline says "staff" or "supplier", never who.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db.accounts import Role, User
from coc_service.db.base import utcnow
from coc_service.db.orders import Document, Order
from coc_service.db.privacy import PrivacyRequest
from coc_service.privacy import audit
from coc_service.privacy.accounts import Actor, record_request, user_orders
from coc_service.storage.errors import ObjectNotFound

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf",
               "image/tiff": ".tif", "image/webp": ".webp", "image/heic": ".heic",
               "image/heif": ".heif", "application/zip": ".zip"}
_COPY_CHUNK = 256 * 1024
README = """Vos données personnelles / Your personal data

data.json  : votre compte, profil, adresses, consentements, commandes (historique, contrôles,
             données lues sur vos documents) et demandes liées à vos données.
             Your account, profile, addresses, consents, orders (timeline, checks, data read
             from your documents) and requests about your data.
documents/ : les documents encore conservés, déchiffrés, par commande.
             The documents we still keep, decrypted, by order.
"""


@dataclass(frozen=True)
class ExportSummary:
    """What went into the archive."""

    orders: int
    documents: int
    missing_documents: int


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _who(actor: str, user: User, roles: dict[str, str]) -> str:
    if actor in (user.id, "customer"):
        return "you"
    if actor in ("system", "supplier", "staff"):
        return actor
    return "supplier" if roles.get(actor) == Role.SUPPLIER.value else "staff"


def _document_json(document: Document, path: str | None) -> dict[str, Any]:
    return {
        "id": document.id, "kind": document.kind, "status": document.status,
        "content_type": document.content_type, "size_bytes": document.size_bytes,
        "sha256": document.sha256, "document_type": document.document_type,
        "country": document.country, "fields": document.fields, "mrz": document.mrz,
        "uploaded_at": _iso(document.created_at), "erased_at": _iso(document.erased_at),
        "file": path,
    }


def _order_json(order: Order, user: User, files: dict[str, str | None],
                roles: dict[str, str]) -> dict[str, Any]:
    return {
        "id": order.id, "reference": order.reference, "status": order.status,
        "created_at": _iso(order.created_at), "submitted_at": _iso(order.submitted_at),
        "closed_at": _iso(order.completed_at), "restricted_archive": order.restricted,
        "vehicle": {"vin": order.vin, "make": order.make,
                    "first_registration_date": _iso(order.first_registration_date),
                    "registration_number": order.registration_number,
                    "extra": order.vehicle_extra},
        "customer": order.customer_snapshot, "billing_address": order.billing_address,
        "shipping_address": order.shipping_address, "delivery_option": order.delivery_option,
        "price_cents": order.price_cents, "currency": order.currency,
        "terms_accepted_at": _iso(order.terms_accepted_at),
        "marketing_consent": order.marketing_consent,
        "timeline": [{"from": t.from_status, "to": t.to_status, "at": _iso(t.created_at),
                      "by": _who(t.actor, user, roles), "reason": t.reason}
                     for t in order.transitions],
        "checks": [{"name": c.name, "status": c.status, "detail": c.detail,
                    "detail_fr": c.detail_fr} for c in order.checks],
        "documents": [_document_json(d, files.get(d.id)) for d in order.documents],
    }


def _account_json(user: User) -> dict[str, Any]:
    customer = user.customer
    profile = None
    if customer is not None:
        profile = {name: getattr(customer, name) for name in (
            "kind", "first_name", "last_name", "email", "phone", "company_name", "siren",
            "vat_number")}
    return {
        "account": {"id": user.id, "email": user.email, "status": user.status,
                    "locale": user.locale, "created_at": _iso(user.created_at),
                    "last_login_at": _iso(user.last_login_at),
                    "deactivated_at": _iso(user.deactivated_at)},
        "profile": profile,
        "addresses": [dict(a.as_dict(), kind=a.kind) for a in customer.addresses]
        if customer is not None else [],
        "consents": {"marketing": user.marketing_consent,
                     "marketing_given_at": _iso(user.marketing_consent_at)},
    }


def _write_documents(archive: zipfile.ZipFile, runtime: Runtime, order: Order,
                     files: dict[str, str | None]) -> int:
    live = [d for d in order.documents if d.erased_at is None and d.storage_key]
    if not live or order.wrapped_data_key is None:
        return 0
    data_key = runtime.keys.unwrap(order.wrapped_data_key)
    missing = 0
    for document in live:
        assert document.storage_key is not None
        extension = _EXTENSIONS.get(document.content_type or "", ".bin")
        name = f"documents/{order.reference}/{document.kind}-{document.id}{extension}"
        try:
            with runtime.store.open(document.storage_key, data_key) as source, \
                    archive.open(name, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, _COPY_CHUNK)
        except ObjectNotFound:
            missing += 1
            continue
        files[document.id] = name
    return missing


def export_personal_data(
    session: Session, runtime: Runtime, user: User, target: IO[bytes], *,
    actor: User | Actor | None = None,
) -> ExportSummary:
    """Write the ZIP of `user`'s data into `target`; return what it holds. Records the request.

    The caller commits (the audit event and the request row are part of its transaction).
    """
    who = Actor.of(actor or user)
    orders = user_orders(session, user)
    files: dict[str, str | None] = {}
    missing = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        for order in orders:
            missing += _write_documents(archive, runtime, order, files)
        requests = session.scalars(select(PrivacyRequest).where(PrivacyRequest.user_id == user.id)
                                   .order_by(PrivacyRequest.created_at))
        data = _account_json(user)
        data["generated_at"] = _iso(utcnow())
        actors = {t.actor for order in orders for t in order.transitions}
        roles = {row.id: row.role for row in
                 session.execute(select(User.id, User.role).where(User.id.in_(actors)))}
        data["orders"] = [_order_json(order, user, files, roles) for order in orders]
        data["privacy_requests"] = [{"kind": r.kind, "status": r.status,
                                     "at": _iso(r.created_at)} for r in requests]
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
    summary = ExportSummary(len(orders), len(files), missing)
    counts = {"orders": summary.orders, "documents": summary.documents}
    audit.record(session, actor_id=who.id, actor_role=who.role, action="privacy.exported",
                 object_type="user", object_id=user.id, reason="access request (art. 15)",
                 details=counts)
    record_request(session, "export", user, who, utcnow(), counts)
    session.flush()
    return summary
