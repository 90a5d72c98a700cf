"""Attaching files to an order: bounded, type-checked, encrypted under the order's data key.

An upload is first spooled in memory (bounded by the upload limit: a clear copy of an identity
document is never written to disk, not even to a temporary file), checked (size, type from the
bytes, decoding bounds and a quick photo-quality verdict, see coc_service.documents), and only
then streamed, encrypted, to the document store. A refused file stores nothing.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from coc_service.db.base import new_id, utcnow
from coc_service.db.orders import Document, Order
from coc_service.documents.errors import EmptyFile, TooLarge, UnsupportedType
from coc_service.documents.intake import ACCEPTED_TYPES_TEXT, describe_refused, sniff_type
from coc_service.documents.types import Limits, QualityVerdict
from coc_service.mail.outbox import queue_mail
from coc_service.orders.errors import OrderNotEditable, WrongDocumentKind
from coc_service.orders.inspection import inspect_upload
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.orders.processing import SCAN_KINDS, start_processing

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    "pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff",
    "webp": "image/webp", "heif": "image/heic",
}
_CHUNK = 256 * 1024


@dataclass
class AttachResult:
    """The stored document and the quick quality verdict on it (None for PDFs and certificates)."""

    document: Document
    quality: QualityVerdict | None


def spool_upload(stream: IO[bytes], limits: Limits) -> IO[bytes]:
    """Return a rewound temporary copy of `stream`; raise EmptyFile or TooLarge.

    Reads at most max_bytes + 1 bytes, in chunks.
    """
    # never rolls over to disk: the limit bounds it, and scans must not lie in clear on disk
    spool = tempfile.SpooledTemporaryFile(max_size=limits.max_bytes + 1)  # noqa: SIM115
    size = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_bytes:
            spool.close()
            raise TooLarge(f"The file is larger than the "
                           f"{limits.max_bytes / (1024 * 1024):.0f} MB allowed.")
        spool.write(chunk)
    if size == 0:
        spool.close()
        raise EmptyFile("The file is empty.")
    spool.seek(0)
    return spool


def detect_type(spool: IO[bytes]) -> str:
    """Return the accepted file type the bytes announce; raise UnsupportedType otherwise."""
    spool.seek(0)
    head = spool.read(1024)
    spool.seek(0)
    kind = sniff_type(head)
    if kind is None:
        raise UnsupportedType(f"This {describe_refused(head)} cannot be read; "
                              f"please upload a {ACCEPTED_TYPES_TEXT} file.")
    return kind


def _data_key(runtime: Runtime, order: Order) -> bytes:
    """Return the order's plaintext data key, creating and wrapping it on first use."""
    if order.wrapped_data_key is None:
        key = runtime.keys.generate_data_key()
        order.wrapped_data_key = key.wrapped
        order.data_key_id = key.key_id
        return key.plaintext
    return runtime.keys.unwrap(order.wrapped_data_key)


def _delete_after_commit(session: Session, runtime: Runtime, storage_key: str) -> None:
    """Delete a superseded object once the commit that supersedes it has happened."""
    pending: list[str] = session.info.setdefault("objects_to_delete", [])
    pending.append(storage_key)
    if not session.info.get("delete_hooks"):
        event.listen(session, "after_commit", _flush_deletes)
        event.listen(session, "after_soft_rollback", _drop_deletes)
        session.info["delete_hooks"] = True
        session.info["delete_store"] = runtime.store


def _flush_deletes(session: Session) -> None:
    store = session.info.get("delete_store")
    for key in session.info.pop("objects_to_delete", []):
        try:
            store.delete(key)  # type: ignore[union-attr]
        except Exception:  # the row says superseded; retention sweeps what is left over
            log.warning("superseded object not deleted", extra={"object_key": key})


def _drop_deletes(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("objects_to_delete", None)


def _store(session: Session, runtime: Runtime, order: Order, kind: str, spool: IO[bytes],
           content_type: str, quality: QualityVerdict | None, *, status: str) -> Document:
    """Return a new Document row after streaming `spool` encrypted to the store."""
    data_key = _data_key(runtime, order)
    document = Document(id=new_id(), order_id=order.id, kind=kind, status=status,
                        content_type=content_type, created_at=utcnow(),
                        quality=quality.to_json() if quality else None)
    document.storage_key = f"orders/{order.id}/documents/{document.id}"
    spool.seek(0)
    stored = runtime.store.put(document.storage_key, spool, data_key, content_type=content_type)
    document.size_bytes = stored.size_plain
    document.sha256 = stored.sha256_plain
    previous = [d for d in order.current_documents() if d.kind == kind]
    session.add(document)
    order.documents.append(document)
    now = utcnow()
    for old in previous:
        old.superseded_by_id = document.id
        if old.storage_key:
            _delete_after_commit(session, runtime, old.storage_key)
        old.erased_at = now
    session.flush()
    return document


def attach_document(session: Session, runtime: Runtime, order: Order, kind: str,
                    stream: IO[bytes], *, actor: str = "customer") -> AttachResult:
    """Return the stored document (and its quality verdict) after checking and encrypting a scan.

    `kind` is "identity" or "registration" (certificates go through attach_certificate). The
    order must be a draft or awaiting the customer (else OrderNotEditable). A refused file
    raises coc_service.documents.errors.DocumentRejected (codes of the `extract` contract) and
    stores nothing. A second file of the same kind supersedes the first (its object is deleted
    after the commit). On an order awaiting the customer, the upload moves it back to processing.
    """
    if kind not in SCAN_KINDS:
        raise WrongDocumentKind(f"kind must be one of {', '.join(SCAN_KINDS)}")
    editable = (OrderStatus.DRAFT.value, OrderStatus.AWAITING_CUSTOMER.value)
    if order.status not in editable:
        raise OrderNotEditable(
            "Documents can no longer be changed on this order.",
            message_fr="Les documents de cette commande ne peuvent plus être modifiés.",
        )
    limits = runtime.limits
    with spool_upload(stream, limits) as spool:
        file_type = detect_type(spool)
        quality = inspect_upload(spool, file_type, limits)
        document = _store(session, runtime, order, kind, spool, CONTENT_TYPES[file_type], quality,
                          status="uploaded")
    if order.status == OrderStatus.AWAITING_CUSTOMER.value:
        start_processing(session, order, actor="system", reason=f"{kind} document re-uploaded")
    log.info("document attached", extra={"order_id": order.id, "document_id": document.id,
                                         "kind": kind, "actor": actor})
    return AttachResult(document=document, quality=quality)


def attach_certificate(session: Session, runtime: Runtime, order: Order, stream: IO[bytes], *,
                       actor: str) -> AttachResult:
    """Return the stored certificate PDF after encrypting it and moving the order on.

    The order must be forwarded or acknowledged (a supplier who sends the certificate at once
    acknowledges implicitly); it ends in certificate_received, where the customer can download
    it. Only PDF files are accepted (UnsupportedType otherwise).
    """
    allowed = (OrderStatus.FORWARDED.value, OrderStatus.ACKNOWLEDGED.value)
    if order.status not in allowed:
        raise OrderNotEditable(f"A certificate cannot be attached to an order in {order.status}.")
    limits = runtime.limits
    with spool_upload(stream, limits) as spool:
        if detect_type(spool) != "pdf":
            raise UnsupportedType("A certificate must be a PDF file.")
        document = _store(session, runtime, order, "certificate", spool, "application/pdf", None,
                          status="processed")
    document.processed_at = utcnow()
    if order.status == OrderStatus.FORWARDED.value:
        transition(session, order, OrderStatus.ACKNOWLEDGED, actor=actor,
                   reason="certificate received")
    transition(session, order, OrderStatus.CERTIFICATE_RECEIVED, actor=actor,
               reason="certificate received")
    session.flush()
    queue_mail(session, order.id, "certificate_ready")
    return AttachResult(document=document, quality=None)
