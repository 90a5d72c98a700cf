"""The order endpoints of the JSON API: create, upload documents, submit, follow, download."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from werkzeug.wrappers import Response

from coc_service.orders.input import parse_order_input
from coc_service.orders.service import (
    attach_document,
    create_order,
    order_view,
    submit_order,
)
from coc_service.orders.views import document_view
from coc_service.web.api.access import optional_token, order_or_404
from coc_service.web.api.errors import api_error
from coc_service.web.context import db_session, runtime
from coc_service.web.downloads import decrypted_download

MAX_JSON_BYTES = 64 * 1024
MAX_IDEMPOTENCY_KEY = 255


def _locale() -> str:
    return request.accept_languages.best_match(["en", "fr"], default="en") or "en"


def create() -> Response:
    """POST /api/v1/orders"""
    token_row = optional_token()
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        return api_error(413)
    if not request.is_json:
        return api_error(415)
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting is malformed input, not a server fault
        data = None
    if data is None:
        return api_error(400, "The body is not valid JSON.", code="invalid_json")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        return api_error(400, f"Idempotency-Key must have 1 to {MAX_IDEMPOTENCY_KEY} characters.",
                         code="invalid_idempotency_key")
    session = db_session()
    user = None
    if token_row is not None and token_row.user_id is not None:
        from coc_service.accounts.tokens import token_user

        user = token_user(session, token_row)
    order_input = parse_order_input(data, session=session)
    order, token = create_order(session, runtime(), order_input, user=user,
                                idempotency_key=key, actor=user.id if user else "customer",
                                issue_token=True)
    body = {"id": order.id, "reference": order.reference, "status": order.status,
            "access_token": token}
    session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_order", order_id=order.id)
    response.headers["Cache-Control"] = "no-store"  # the body carries a secret
    return response


def upload(order_id: str) -> Response:
    """POST /api/v1/orders/{id}/documents"""
    order = order_or_404(order_id)
    if not (request.mimetype or "").startswith("multipart/form-data"):
        return api_error(415, "Send the file as multipart/form-data with `file` and `kind`.")
    kind = request.form.get("kind", "")
    file = request.files.get("file")
    if file is None:
        return api_error(422, "The multipart field `file` is missing.", code="missing_file")
    if kind not in ("identity", "registration"):
        return api_error(422, "`kind` must be identity or registration.", code="invalid_kind")
    session = db_session()
    result = attach_document(session, runtime(), order, kind, file.stream,
                             actor=order.user_id or "customer")
    body = document_view(result.document)
    session.commit()
    response = jsonify(body)
    response.status_code = 201
    return response


def submit(order_id: str) -> Response:
    """POST /api/v1/orders/{id}/submit"""
    order = order_or_404(order_id)
    session = db_session()
    status = submit_order(session, runtime(), order, actor=order.user_id or "customer")
    body = {"id": order.id, "reference": order.reference, "status": status}
    session.commit()
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_order", order_id=order.id)
    return response


def get_order(order_id: str) -> Response:
    """GET /api/v1/orders/{id}"""
    order = order_or_404(order_id)
    body = order_view(order, locale=_locale())
    db_session().commit()  # token last_used_at
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def download(order_id: str, document_id: str) -> Response:
    """GET /api/v1/orders/{id}/documents/{document_id}/download (certificates only)"""
    order = order_or_404(order_id)
    document = next((d for d in order.current_documents()
                     if d.id == document_id and d.kind == "certificate"), None)
    if document is None or document.storage_key is None or order.wrapped_data_key is None:
        return api_error(404, "No such certificate.")
    db_session().commit()
    return decrypted_download(order, document, mimetype="application/pdf",
                              filename=f"{order.reference}-certificate.pdf")


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/orders", "create_order", create, methods=["POST"])
    bp.add_url_rule("/orders/<order_id>", "get_order", get_order, methods=["GET"])
    bp.add_url_rule("/orders/<order_id>/documents", "upload_document", upload, methods=["POST"])
    bp.add_url_rule("/orders/<order_id>/submit", "submit_order", submit, methods=["POST"])
    bp.add_url_rule("/orders/<order_id>/documents/<document_id>/download", "download_document",
                    download, methods=["GET"])

