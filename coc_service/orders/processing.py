"""The processing chain: read each document, then evaluate the order exactly once.

Job functions in workers/ are thin adapters over these. Every step is idempotent: running it
twice stores nothing twice and makes no second transition, so the reconciler may re-enqueue
freely after a killed worker or a lost Redis.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coc_service.db.base import utcnow
from coc_service.db.orders import Document, Order
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.queue import enqueue_after_commit

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

log = logging.getLogger(__name__)

SCAN_KINDS = ("identity", "registration")
#: document states after which the chain does not read the document again
DONE_STATES = frozenset({"processed", "rejected", "failed"})
SYSTEM = "system"


def lock_order(session: Session, order_id: str) -> Order | None:
    """Return the order row locked for update until the transaction ends."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: a write takes the database's write lock before any read,
        # so that a second writer waits instead of failing to upgrade its read lock
        touch = update(Order).where(Order.id == order_id).values(id=Order.id)
        session.execute(touch.execution_options(synchronize_session=False))
    stmt = select(Order).where(Order.id == order_id).with_for_update()
    return session.scalars(stmt).first()


def scans(order: Order) -> list[Document]:
    return [d for d in order.current_documents() if d.kind in SCAN_KINDS]


def documents_digest(documents: list[Document]) -> str:
    """Return a digest of which document versions an evaluation covers."""
    parts = sorted(f"{d.id}:{d.sha256}:{d.status}" for d in documents)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def start_processing(session: Session, order: Order, *, actor: str = SYSTEM, reason: str) -> None:
    """Move a submitted or re-uploaded order to processing and queue its unread documents."""
    transition(session, order, OrderStatus.PROCESSING, actor=actor, reason=reason)
    queue_unread_documents(session, order)


def queue_unread_documents(session: Session, order: Order) -> int:
    """Enqueue (after commit) a read of every current scan not read yet; return how many."""
    queued = 0
    now = utcnow()
    for document in scans(order):
        if document.status not in DONE_STATES:
            document.queued_at = now
            enqueue_after_commit(session, "process_document", document.id)
            queued += 1
    if queued == 0:
        request_evaluation(session, order)
    return queued


@dataclass(frozen=True)
class _ReadJob:
    storage_key: str
    sha256: str | None
    wrapped_key: bytes
    kind: Literal["identity", "registration"]


def read_document(runtime: Runtime, document_id: str) -> str | None:
    """Read one stored scan, save what was found on its row, return its status; idempotent.

    No transaction stays open while Tesseract runs: the row is read, the scan is read without
    holding locks, then a second short transaction saves the result unless the document was
    replaced or read meanwhile.
    """
    from coc_service.documents.pipeline import extract_document

    with runtime.db.transaction() as session:
        document = session.get(Document, document_id)
        if document is None or document.erased_at is not None:
            return None
        job = _claim(document)
        status = document.status
        order_id = document.order_id
    if job is not None:
        data_key = runtime.keys.unwrap(job.wrapped_key)
        payload = runtime.store.read_bytes(job.storage_key, data_key)
        result = extract_document(payload, file_name=job.kind, kind=job.kind,
                                  limits=runtime.limits).to_json()
    with runtime.db.transaction() as session:
        document = session.get(Document, document_id)
        if document is None:
            return None
        if job is not None and document.status not in DONE_STATES and (
            document.sha256 == job.sha256 and document.erased_at is None
        ):
            save_extraction(document, result)
            session.flush()
        status = document.status
        maybe_request_evaluation(session, order_id)
    return status


def _claim(document: Document) -> _ReadJob | None:
    """Return what to read for a document not read yet, or None (done, or nothing stored)."""
    if document.status in DONE_STATES:
        return None
    wrapped = document.order.wrapped_data_key
    if document.storage_key is None or wrapped is None:
        _record_failure(document, "missing", "the stored file is missing")
        return None
    document.attempts += 1
    document.status = "processing"
    kind: Literal["identity", "registration"] = (
        "identity" if document.kind == "identity" else "registration"
    )
    return _ReadJob(document.storage_key, document.sha256, wrapped, kind)


def save_extraction(document: Document, result: dict[str, Any]) -> None:
    """Store an `extract` JSON result on the document row."""
    document.extraction = result
    document.document_type = result.get("document_type")
    document.country = result.get("country")
    document.pages = result.get("pages")
    document.fields = result.get("fields")
    document.mrz = result.get("mrz")
    document.quality = result.get("quality")
    document.engine = result.get("engine")
    document.timings_ms = result.get("timings_ms")
    error = result.get("error") or {}
    document.error_code = error.get("code")
    document.error_message = error.get("message")
    document.status = "rejected" if result.get("status") == "rejected" else "processed"
    document.processed_at = utcnow()


def _record_failure(document: Document, code: str, message: str) -> None:
    document.status = "failed"
    document.error_code = code
    document.error_message = message
    document.processed_at = utcnow()


def record_permanent_failure(session: Session, document_id: str, message: str) -> None:
    """Mark a document whose reading failed for good, so the order goes to a person."""
    document = session.get(Document, document_id)
    if document is None or document.status in DONE_STATES:
        return
    _record_failure(document, "processing_failed", message)
    document.order.processing_error = message
    session.flush()
    maybe_request_evaluation(session, document.order_id)


def maybe_request_evaluation(session: Session, order_id: str) -> bool:
    """Enqueue the order's evaluation once all its scans are read; True if it was requested.

    The order row is locked, and the digest of the documents it covers is stored, so that two
    documents finishing at the same moment request one evaluation, not two.
    """
    order = lock_order(session, order_id)
    if order is None or order.status != OrderStatus.PROCESSING.value:
        return False
    documents = scans(order)
    if any(d.status not in DONE_STATES for d in documents):
        return False
    return request_evaluation(session, order)


def request_evaluation(session: Session, order: Order) -> bool:
    digest = documents_digest(scans(order))
    if order.evaluation_requested_digest == digest:
        return False
    order.evaluation_requested_digest = digest
    enqueue_after_commit(session, "evaluate_order", order.id)
    return True


def evaluate(session: Session, runtime: Runtime, order_id: str) -> str | None:
    """Run the check catalogue on a processed order and settle it; return the new status."""
    from coc_service.orders.evaluation import run_catalogue

    order = lock_order(session, order_id)
    if order is None or order.status != OrderStatus.PROCESSING.value:
        return None
    documents = scans(order)
    if any(d.status not in DONE_STATES for d in documents):
        return None  # a document was re-uploaded meanwhile; its read will request us again
    digest = documents_digest(documents)
    if order.evaluated_digest == digest:
        return None
    outcome, reasons = run_catalogue(session, runtime, order, documents)
    order.evaluated_digest = digest
    target = OrderStatus.AUTO_APPROVED if outcome == "auto_approved" else OrderStatus.NEEDS_REVIEW
    transition(session, order, target, actor=SYSTEM, reason="; ".join(reasons)[:2000])
    if target is OrderStatus.AUTO_APPROVED:
        enqueue_after_commit(session, "forward_order", order.id)  # to the supplier
    log.info("order evaluated", extra={"order_id": order.id, "outcome": outcome})
    return target.value
