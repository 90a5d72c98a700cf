"""A small back office: the review queue, an order's checks and evidence, decisions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from coc_service.db.orders import Document, Order
from coc_service.mail.outbox import queue_mail
from coc_service.orders.lifecycle import IllegalTransition, OrderStatus
from coc_service.orders.processing import SCAN_KINDS
from coc_service.orders.service import approve, reject, request_reupload
from coc_service.orders.views import status_label
from coc_service.privacy.audit import record_document_access
from coc_service.web.accounts.auth import current_user, staff_required
from coc_service.web.context import db_session
from coc_service.web.downloads import decrypted_download
from coc_service.web.i18n import current_language
from coc_service.web.shop.upload_messages import kind_label

bp = Blueprint("staff", __name__, url_prefix="/back-office")

QUEUES = {
    "review": (OrderStatus.NEEDS_REVIEW.value,),
    "waiting": (OrderStatus.AWAITING_CUSTOMER.value,),
    "processing": (OrderStatus.SUBMITTED.value, OrderStatus.PROCESSING.value),
    "approved": (OrderStatus.AUTO_APPROVED.value, OrderStatus.APPROVED.value),
}


def _staff_id() -> str:
    user = current_user()
    assert user is not None  # staff_required ran first
    return user.id


def _order(order_id: str) -> Order:
    order = db_session().get(Order, order_id) if len(order_id) <= 36 else None
    if order is None or order.restricted:
        abort(404)
    return order


@bp.get("")
@staff_required
def queue() -> str:
    name = request.args.get("file", "review")
    statuses = QUEUES.get(name, QUEUES["review"])
    orders = list(db_session().scalars(
        select(Order).where(Order.status.in_(statuses), Order.restricted.is_(False))
        .order_by(Order.status_changed_at).limit(200)))
    return render_template("staff/queue.html", orders=orders, current=name, queues=QUEUES,
                           status_label=status_label, locale=current_language())


@bp.get("/commande/<order_id>")
@staff_required
def order(order_id: str) -> str:
    found = _order(order_id)
    return render_template("staff/order.html", order=found, status_label=status_label,
                           locale=current_language(), kind_label=kind_label,
                           scan_kinds=SCAN_KINDS,
                           can_decide=found.status == OrderStatus.NEEDS_REVIEW.value)


@bp.get("/document/<document_id>")
@staff_required
def document(document_id: str) -> Response:
    """Send one scan to a member of staff as a download; every access is audited first."""
    db = db_session()
    doc = db.get(Document, document_id) if len(document_id) <= 36 else None
    if doc is None or doc.storage_key is None or doc.erased_at is not None:
        abort(404)
    order_row = doc.order
    if order_row.restricted or order_row.wrapped_data_key is None:
        abort(404)
    user = current_user()
    assert user is not None
    record_document_access(db, actor_id=user.id, actor_role=user.role, document_id=doc.id,
                           order_id=order_row.id, reason="order review")
    db.commit()
    content_type = doc.content_type or "application/octet-stream"
    return decrypted_download(
        order_row, doc, mimetype=content_type,
        filename=f"{order_row.reference}-{doc.kind}.{content_type.split('/')[-1]}")


def _reason() -> str:
    return " ".join(request.form.get("reason", "").split())[:1000]


def _decided(order_row: Order, message: str, mail_kind: str | None = None) -> Response:
    db = db_session()
    if mail_kind:
        queue_mail(db, order_row.id, mail_kind)
    db.commit()
    flash(message, "success")
    return redirect(url_for("staff.order", order_id=order_row.id), code=303)


def _refused(order_row: Order, message: str) -> Response:
    db_session().rollback()
    flash(message, "error")
    return redirect(url_for("staff.order", order_id=order_row.id), code=303)


@bp.post("/commande/<order_id>/approuver")
@staff_required
def approve_order(order_id: str) -> Response:
    found = _order(order_id)
    try:
        approve(db_session(), found, actor=_staff_id(), reason=_reason() or "approved")
    except IllegalTransition:
        return _refused(found, _("Cette commande n'est plus en attente d'examen."))
    return _decided(found, _("Commande approuvée."))


@bp.post("/commande/<order_id>/refuser")
@staff_required
def reject_order(order_id: str) -> Response:
    found = _order(order_id)
    reason = _reason()
    if not reason:
        return _refused(found, _("Indiquez au client la raison du refus."))
    try:
        reject(db_session(), found, actor=_staff_id(), reason=reason)
    except IllegalTransition:
        return _refused(found, _("Cette commande n'est plus en attente d'examen."))
    return _decided(found, _("Commande refusée ; le client est prévenu."), "rejected")


@bp.post("/commande/<order_id>/demander-document")
@staff_required
def ask_document(order_id: str) -> Response:
    found = _order(order_id)
    reason = _reason()
    kind = request.form.get("kind", "")
    if kind not in SCAN_KINDS or not reason:
        return _refused(found, _("Choisissez le document à remplacer et expliquez pourquoi au "
                                 "client."))
    try:
        request_reupload(db_session(), found, kind, actor=_staff_id(), reason=reason)
    except IllegalTransition:
        return _refused(found, _("Cette commande n'est plus en attente d'examen."))
    return _decided(found, _("Demande envoyée au client."), "action_needed")
