"""JSON errors of the API: every failure is {"error": {"code", "message", ...}} with its status."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from coc_service.documents.errors import DocumentRejected
from coc_service.errors import NotFound, ServiceUnavailable
from coc_service.orders.errors import MissingDocuments, OrderActionRefused, WrongDocumentKind
from coc_service.orders.lifecycle import IllegalTransition
from coc_service.orders.messages import OrderValidationError

log = logging.getLogger(__name__)

# the code an HTTP status gives when nothing more precise applies
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited",
    500: "internal_error", 503: "service_unavailable",
}
_HTTP_MESSAGES = {
    400: "The request is malformed.",
    401: "A valid bearer token is required.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    415: "Send the body as application/json (or multipart/form-data for files).",
    429: "Too many requests; slow down.",
    503: "A backing service is unavailable; retry later.",
}


def api_error(status: int, message: str | None = None, *, code: str | None = None,
              headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """Return the JSON error response for `status` (code and message default per status)."""
    body = {"code": code or HTTP_CODES.get(status, "error"),
            "message": message or _HTTP_MESSAGES.get(status, "Request failed."), **extra}
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="coc-service"')
    return response


def install_error_handlers(bp: Blueprint) -> None:
    """Map the service's typed errors and HTTP errors raised in API views to JSON."""

    @bp.errorhandler(OrderValidationError)
    def _invalid_order(exc: OrderValidationError) -> Response:
        fields = {path: err.to_json() for path, err in exc.details.items()}
        return api_error(422, "The order has invalid fields: " + ", ".join(sorted(fields)) + ".",
                         code="invalid_order", fields=fields)

    @bp.errorhandler(DocumentRejected)
    def _rejected_file(exc: DocumentRejected) -> Response:
        return api_error(422, exc.message, code=exc.code)

    @bp.errorhandler(WrongDocumentKind)
    def _wrong_kind(exc: WrongDocumentKind) -> Response:
        return api_error(422, str(exc), code=exc.code)

    @bp.errorhandler(MissingDocuments)
    def _missing(exc: MissingDocuments) -> Response:
        return api_error(409, exc.message, code=exc.code, missing=exc.missing)

    @bp.errorhandler(OrderActionRefused)
    def _refused(exc: OrderActionRefused) -> Response:
        return api_error(409, exc.message, code=exc.code)

    @bp.errorhandler(IllegalTransition)
    def _illegal(exc: IllegalTransition) -> Response:
        return api_error(409, f"Not possible while the order is {exc.current}.",
                         code="illegal_transition")

    @bp.errorhandler(NotFound)
    def _not_found(_exc: NotFound) -> Response:
        return api_error(404)

    @bp.errorhandler(ServiceUnavailable)
    @bp.errorhandler(RedisError)
    @bp.errorhandler(OperationalError)
    def _unavailable(exc: Exception) -> Response:
        log.warning("API backing service unavailable", extra={"error": type(exc).__name__})
        return api_error(503, headers={"Retry-After": "30"})

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        headers = {}
        if status == 405 and exc.get_response().headers.get("Allow"):
            headers["Allow"] = exc.get_response().headers["Allow"]
        return api_error(status, headers=headers)

    @bp.errorhandler(Exception)
    def _internal(exc: Exception) -> Response:
        log.exception("API request failed", extra={"error": type(exc).__name__})
        return api_error(500, "Internal error; it was logged.")
