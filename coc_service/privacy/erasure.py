"""The erasure machinery retention, deactivation and erasure requests share.

Crypto-shredding: every erasure of an order's documents also destroys the data key they were
encrypted under, so that no copy, old S3 version or backup of them can be decrypted afterwards.
When some of the order's documents must still be kept (a certificate the customer may download
again, scans while the order is open), those are first re-encrypted under a fresh data key
(under new object keys), and only then is the old key dropped. The superseded objects are
deleted once the database has committed the new key; if the transaction rolls back, the new
copies are deleted instead, so a crash never leaves a document whose key is lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from coc_service.db.accounts import ApiToken, Customer
from coc_service.db.base import Base
from coc_service.db.orders import CheckResult, Document, Order, OrderTransition
from coc_service.privacy.reduction import reduce_checks, reduce_document
from coc_service.storage.errors import ObjectNotFound, StorageError

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

log = logging.getLogger(__name__)

SCAN_KINDS = ("identity", "registration")
ERASED = "erased"
_GENERATION = re.compile(r"^(.*)\.k(\d+)$")
# what an invoice must show about the buyer (Code de commerce L441-9, CGI art. 242 nonies A)
INVOICE_KEYS = ("kind", "first_name", "last_name", "company_name", "siren", "vat_number")
# children whose rows the ORM deletes itself; other tables pointing at orders are purged by SQL
_ORM_CHILDREN = frozenset({"documents", "check_results", "order_transitions", "api_tokens"})


def order_prefix(order_id: str) -> str:
    """Return the object-key folder of an order's documents (ids only, see storage.base)."""
    return f"orders/{order_id}/"


def live_documents(order: Order) -> list[Document]:
    """Return the order's documents (any version) whose object has not been erased."""
    return [d for d in order.documents if d.erased_at is None and d.storage_key]


def next_object_key(key: str) -> str:
    """Return the object key a re-encrypted copy of `key` is written under."""
    match = _GENERATION.match(key)
    if match:
        return f"{match.group(1)}.k{int(match.group(2)) + 1}"
    return f"{key}.k1"


# -- object deletions tied to the outcome of the transaction ----------------------------------

def _defer(session: Session, when: str, runtime: Runtime, key: str) -> None:
    session.info.setdefault(f"privacy_{when}", []).append((runtime, key))
    if not session.info.get("privacy_hooks"):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_rollback)
        session.info["privacy_hooks"] = True


def _delete_objects(pending: list[tuple[Runtime, str]]) -> None:
    for runtime, key in pending:
        try:
            runtime.store.delete(key)
        except StorageError as exc:
            # undecryptable already (its key is gone); the next shredding sweep removes it
            log.warning("leftover object not deleted", extra={"error": type(exc).__name__})


def _after_commit(session: Session) -> None:
    session.info.pop("privacy_on_rollback", None)
    _delete_objects(session.info.pop("privacy_on_commit", []))


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("privacy_on_commit", None)
        _delete_objects(session.info.pop("privacy_on_rollback", []))


# -- documents and keys ----------------------------------------------------------------------

def shred_order_key(runtime: Runtime, order: Order, now: datetime) -> bool:
    """Destroy the order's data key and sweep its object folder; True if a key was destroyed."""
    if order.wrapped_data_key is None:
        return False
    order.wrapped_data_key = None
    order.data_key_shredded_at = now
    # back-stop for objects no row points at (an interrupted upload or re-encryption)
    runtime.store.delete_prefix(order_prefix(order.id))
    return True


def rekey_order(session: Session, runtime: Runtime, order: Order, keep: list[Document]) -> int:
    """Re-encrypt `keep` under a fresh data key and drop the old one; return objects copied."""
    if order.wrapped_data_key is None:
        return 0
    old_key = runtime.keys.unwrap(order.wrapped_data_key)
    fresh = runtime.keys.generate_data_key()
    copied = 0
    for document in keep:
        assert document.storage_key is not None
        source_key, target_key = document.storage_key, next_object_key(document.storage_key)
        try:
            with runtime.store.open(source_key, old_key) as source:
                runtime.store.put(target_key, source, fresh.plaintext)
        except ObjectNotFound:
            log.warning("object missing while re-keying", extra={"document_id": document.id})
            continue
        _defer(session, "on_rollback", runtime, target_key)
        _defer(session, "on_commit", runtime, source_key)
        document.storage_key = target_key
        copied += 1
    order.wrapped_data_key = fresh.wrapped
    order.data_key_id = fresh.key_id
    return copied


def erase_documents(
    session: Session, runtime: Runtime, order: Order, documents: Iterable[Document],
    *, now: datetime,
) -> list[str]:
    """Delete the documents' objects (every version), shred their key; return the ids erased.

    The rest of the order's documents stay readable under a fresh key. Documents already
    erased are skipped, so calling this again does nothing.
    """
    targets = [d for d in documents if d.erased_at is None]
    if not targets:
        return []
    for document in targets:
        if document.storage_key:
            runtime.store.delete(document.storage_key)
        document.erased_at = now
        document.status = ERASED
    remaining = live_documents(order)
    if remaining:
        rekey_order(session, runtime, order, remaining)
    else:
        shred_order_key(runtime, order, now)
    return [d.id for d in targets]


def reduce_order_data(order: Order, now: datetime) -> list[str]:
    """Cut the data read from the order's scans to the proof of the check; return doc ids."""
    checks = {c.name: c.status for c in order.checks}
    reduced = []
    for document in order.documents:
        if document.kind in SCAN_KINDS and document.reduced_at is None:
            reduce_document(document, checks, order.submitted_at)
            document.reduced_at = now
            reduced.append(document.id)
    reduce_checks(order.checks)
    return reduced


# -- order records ---------------------------------------------------------------------------

def restrict_order(order: Order) -> bool:
    """Move a closed order into the restricted archive (invoice data only); True if it moved."""
    if order.restricted:
        return False
    snapshot = order.customer_snapshot or {}
    order.customer_snapshot = {k: snapshot[k] for k in INVOICE_KEYS if snapshot.get(k)}
    if order.delivery_option == "email" or order.shipping_address == order.billing_address:
        order.shipping_address = {}  # an invoice names a delivery address only when it differs
    order.registration_number = None
    order.marketing_consent = False
    order.restricted = True
    return True


def archive_closed_order(session: Session, runtime: Runtime, order: Order, now: datetime) -> dict[
    str, list[str]
]:
    """Erase every document of a closed order, reduce its data and restrict it; return ids."""
    erased = erase_documents(session, runtime, order, list(order.documents), now=now)
    shred_order_key(runtime, order, now)
    reduced = reduce_order_data(order, now)
    restricted = [order.id] if restrict_order(order) else []
    return {"erased": erased, "reduced": reduced, "restricted": restricted}


def purge_order(session: Session, runtime: Runtime, order: Order, now: datetime) -> None:
    """Delete an order for good: its objects, its key and every row that belongs to it."""
    erase_documents(session, runtime, order, list(order.documents), now=now)
    shred_order_key(runtime, order, now)
    session.flush()
    for table in Base.metadata.sorted_tables:
        if table.name in _ORM_CHILDREN:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "orders":
                session.execute(delete(table).where(fk.parent == order.id))
    for model in (ApiToken, CheckResult, OrderTransition, Document):
        for row in session.scalars(select(model).where(model.order_id == order.id)):
            session.delete(row)
    customer = order.customer
    session.delete(order)
    session.flush()
    if customer is not None and customer.user_id is None:
        others = session.scalar(select(Order.id).where(Order.customer_id == customer.id).limit(1))
        if others is None:
            session.delete(customer)  # a guest's profile exists only for its orders
            session.flush()


def clear_profile(customer: Customer) -> None:
    """Erase a saved profile's details and addresses (orders keep their own invoice copy)."""
    for name in ("first_name", "last_name", "email", "phone", "company_name", "siren",
                 "vat_number"):
        setattr(customer, name, None)
    customer.addresses.clear()
    customer.restricted = True
