"""The portal's pages: the list of orders, one order, its bundle, acknowledge, the certificate."""

from __future__ import annotations

from typing import BinaryIO, cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from coc_service.db.orders import Document, Order
from coc_service.documents.errors import DocumentRejected
from coc_service.errors import NotFound
from coc_service.orders.errors import OrderActionRefused
from coc_service.orders.lifecycle import OrderStatus
from coc_service.orders.views import status_label
from coc_service.privacy.audit import record_document_access
from coc_service.suppliers.bundles import current_bundle
from coc_service.suppliers.catalogue import offer_for_make
from coc_service.suppliers.portal import (
    AWAITING_CERTIFICATE,
    acknowledge,
    bundle_of,
    receive_certificate,
    supplier_orders,
)
from coc_service.web.accounts.auth import current_user
from coc_service.web.context import db_session, runtime
from coc_service.web.downloads import decrypted_download
from coc_service.web.i18n import current_language
from coc_service.web.supplier import bp
from coc_service.web.supplier.access import (
    actor_id,
    certificate_rejection,
    current_supplier_id,
    portal_order,
    supplier_required,
)


def _certificate(order: Order) -> Document | None:
    return next((d for d in order.current_documents()
                 if d.kind == "certificate" and d.storage_key), None)


def _vehicle_extras(order: Order) -> list[tuple[str, str]]:
    """Return the extra vehicle fields with the catalogue's label in the page's language."""
    extra = dict(order.vehicle_extra or {})
    entry = offer_for_make(db_session(), order.make)
    fields = {f["name"]: f for f in (entry.required_fields if entry else [])
              if isinstance(f, dict) and "name" in f}
    label_key = "label_fr" if current_language() == "fr" else "label_en"
    shown = []
    country = extra.pop("registration_country", None)
    if country:
        shown.append((_("Pays d'immatriculation"), str(country)))
    for name, value in extra.items():
        shown.append((str(fields.get(name, {}).get(label_key, name)), str(value)))
    return shown


def _back(order: Order) -> Response:
    return redirect(url_for("supplier.order", order_id=order.id), code=303)


@bp.get("")
@supplier_required
def orders() -> str:
    found = supplier_orders(db_session(), current_supplier_id())
    return render_template("supplier/orders.html", orders=found, status_label=status_label,
                           locale=current_language(), awaiting=AWAITING_CERTIFICATE)


@bp.get("/commande/<order_id>")
@supplier_required
def order(order_id: str) -> str:
    found = portal_order(order_id)
    return render_template(
        "supplier/order.html", order=found, bundle=current_bundle(found),
        extras=_vehicle_extras(found),
        certificate=_certificate(found), status_label=status_label, locale=current_language(),
        can_acknowledge=found.status == OrderStatus.FORWARDED.value,
        can_upload=found.status in AWAITING_CERTIFICATE,
        max_bytes=runtime().limits.max_bytes)


@bp.get("/commande/<order_id>/dossier")
@supplier_required
def bundle(order_id: str) -> Response:
    """Send the order's bundle (ZIP) as a download; every download is audited first."""
    found = portal_order(order_id)
    try:
        document = bundle_of(found)
    except NotFound:  # erased by retention: gone for everyone
        abort(404)
    user = current_user()
    assert user is not None and document.storage_key is not None
    assert found.wrapped_data_key is not None
    db = db_session()
    record_document_access(db, actor_id=user.id, actor_role=user.role, document_id=document.id,
                           order_id=found.id, reason="supplier bundle",
                           action="document.downloaded")
    db.commit()
    return decrypted_download(found, document, mimetype="application/zip",
                              filename=f"dossier-{found.reference}.zip")


@bp.post("/commande/<order_id>/accuser-reception")
@supplier_required
def acknowledge_order(order_id: str) -> Response:
    found = portal_order(order_id)
    db = db_session()
    if acknowledge(db, found, actor=actor_id()):
        db.commit()
        flash(_("Réception confirmée. Envoyez le certificat dès qu'il est prêt."), "success")
    else:
        flash(_("Cette commande a déjà été confirmée."), "warning")
    return _back(found)


@bp.post("/commande/<order_id>/certificat")
@supplier_required
def upload_certificate(order_id: str) -> Response:
    """Receive the certificate PDF; the customer is told by e-mail and can download it."""
    found = portal_order(order_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choisissez le fichier PDF du certificat."), "error")
        return _back(found)
    db = db_session()
    try:
        receive_certificate(db, runtime(), found, cast(BinaryIO, upload.stream),
                            actor=actor_id())
        db.commit()
    except DocumentRejected as exc:
        db.rollback()
        flash(certificate_rejection(exc.code), "error")
        return _back(found)
    except OrderActionRefused as exc:
        db.rollback()
        flash(exc.message_fr if current_language() == "fr" else exc.message, "error")
        return _back(found)
    flash(_("Certificat reçu : le client est prévenu et peut le télécharger."), "success")
    return _back(found)
