"""Files on the order page: a new document staff asked for, and the certificate download."""

from __future__ import annotations

from flask import abort, jsonify, redirect, url_for
from werkzeug.wrappers import Response

from coc_service.orders.processing import SCAN_KINDS
from coc_service.orders.views import next_actions
from coc_service.web.context import db_session
from coc_service.web.downloads import decrypted_download
from coc_service.web.shop.access import visible_order
from coc_service.web.shop.documents import receive_upload, remember_feedback, wants_json
from coc_service.web.track import bp


@bp.post("/commande/<order_id>/documents/<kind>")
def reupload(order_id: str, kind: str) -> Response | tuple[Response, int]:
    """Receive the new document staff asked for; the order goes back to the checks."""
    order = visible_order(db_session(), order_id)
    if kind not in SCAN_KINDS or f"reupload_{kind}" not in next_actions(order):
        abort(404)
    outcome = receive_upload(order, kind)
    if wants_json():
        body = outcome.as_json()
        body["reload"] = outcome.ok
        return jsonify(body), 200 if outcome.ok else 422
    remember_feedback(outcome)
    return redirect(url_for("track.order", order_id=order.id) + f"#upload-{kind}", code=303)


@bp.get("/commande/<order_id>/certificat")
def certificate(order_id: str) -> Response:
    """Send the certificate as a download (attachment, never shown inline by the browser)."""
    order = visible_order(db_session(), order_id)
    document = next((d for d in order.current_documents()
                     if d.kind == "certificate" and d.storage_key), None)
    if document is None or order.wrapped_data_key is None:
        abort(404)
    return decrypted_download(order, document, mimetype="application/pdf",
                              filename=f"certificat-conformite-{order.reference}.pdf")
