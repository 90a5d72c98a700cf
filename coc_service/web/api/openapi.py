"""The OpenAPI 3 document of the API, served at /api/v1/openapi.json (schemathesis tests it)."""

from __future__ import annotations

from typing import Any

from coc_service.orders.input import DELIVERY_OPTIONS, LOCALES
from coc_service.orders.lifecycle import OrderStatus

_ERROR_STATUSES = {
    "400": "Malformed request (invalid JSON, bad header).",
    "401": "Missing, unknown or revoked bearer token.",
    "404": "No such order, or not one this token opens.",
    "409": "Not possible in the order's current state.",
    "413": "Body too large.",
    "415": "Wrong content type.",
    "422": "Invalid order data or refused file; `error.code` says why.",
    "429": "Rate limit exceeded; see Retry-After.",
    "503": "A backing service (database, Redis, storage) is unavailable.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {s: _json(_ref("Error"), _ERROR_STATUSES[s]) for s in statuses}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


_STR = {"type": "string"}
_EXAMPLE = {
    "customer": {"first_name": "Jean", "last_name": "Dupont", "email": "jean@example.fr",
                 "phone": "+33612345678", "company_name": None, "siren": None,
                 "vat_number": None},
    "vehicle": {"vin": "VF3LBBHZHKS123456", "first_registration_date": "2018-03-15",
                "make": "Peugeot"},
    "billing_address": {"line1": "12 rue de la Paix", "line2": None, "postcode": "75002",
                        "city": "Paris", "country": "FR"},
    "shipping_same_as_billing": True,
    "delivery_option": "email",
}
_ORDER_ID = {"name": "order_id", "in": "path", "required": True,
             "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
_BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_COMMON_ERRORS = ("400", "401", "404", "429", "503")

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": {**_STR, "description": "Stable machine code, e.g. invalid_order, "
                         "too_large, unsupported_type, corrupt, missing_documents."},
                "message": _STR,
                "fields": {"type": "object", "description": "invalid_order: field path → problem",
                           "additionalProperties": _ref("FieldError")},
                "missing": {"type": "array", "items": {"type": "string",
                                                       "enum": ["identity", "registration"]}},
            },
        }},
    },
    "FieldError": {
        "type": "object", "required": ["code", "message", "message_fr"],
        "properties": {"code": _STR, "message": _STR, "message_fr": _STR},
    },
    "Address": {
        "type": "object", "required": ["line1", "postcode", "city"],
        "properties": {
            "line1": {**_STR, "maxLength": 200}, "line2": _nullable({**_STR, "maxLength": 200}),
            "postcode": {**_STR, "maxLength": 16, "description": "5 digits when country is FR"},
            "city": {**_STR, "maxLength": 100},
            "country": {**_STR, "description": "ISO 3166-1 alpha-2, default FR",
                        "minLength": 2, "maxLength": 2},
        },
    },
    "Customer": {
        "type": "object", "required": ["first_name", "last_name", "email"],
        "properties": {
            "kind": {"type": "string", "enum": ["individual", "company"],
                     "description": "Inferred from company_name/siren when absent."},
            "first_name": {**_STR, "maxLength": 100}, "last_name": {**_STR, "maxLength": 100},
            "email": {**_STR, "format": "email", "maxLength": 254},
            "phone": _nullable({**_STR, "description": "French or international (+...)"}),
            "company_name": _nullable(_STR), "siren": _nullable(_STR),
            "vat_number": _nullable(_STR),
        },
    },
    "Vehicle": {
        "type": "object", "required": ["vin", "first_registration_date", "make"],
        "properties": {
            "vin": {**_STR, "description": "17 characters, no I, O or Q"},
            "first_registration_date": {**_STR, "format": "date"},
            "make": {**_STR, "description": "A make of the catalogue"},
            "registration_number": _nullable({**_STR, "description": "AA-123-AA or 1234 AB 56"}),
            "registration_country": {**_STR, "minLength": 2, "maxLength": 2},
            "extra": {"type": "object", "additionalProperties": _STR,
                      "description": "Extra fields the make requires (e.g. colour)"},
        },
    },
    "OrderCreate": {
        "type": "object", "required": ["customer", "vehicle", "billing_address"],
        "properties": {
            "customer": _ref("Customer"), "vehicle": _ref("Vehicle"),
            "billing_address": _ref("Address"),
            "shipping_address": _nullable(_ref("Address")),
            "shipping_same_as_billing": {"type": "boolean"},
            "delivery_option": {"type": "string", "enum": list(DELIVERY_OPTIONS)},
            "terms_accepted": {"type": "boolean"},
            "marketing_consent": {"type": "boolean", "default": False},
            "locale": {"type": "string", "enum": list(LOCALES)},
            "submitted_at": {**_STR, "description": "Ignored (accepted for ORDER.json)"},
        },
    },
    "OrderCreated": {
        "type": "object", "required": ["id", "reference", "status", "access_token"],
        "properties": {
            "id": _STR, "reference": {**_STR, "example": "COC-7K3M9Q"},
            "status": {"type": "string", "enum": ["draft"]},
            "access_token": {**_STR, "description": "Shown once; send as Bearer token"},
        },
    },
    "OrderState": {
        "type": "object", "required": ["id", "reference", "status"],
        "properties": {"id": _STR, "reference": _STR,
                       "status": {"type": "string", "enum": [s.value for s in OrderStatus]}},
    },
    "Document": {
        "type": "object", "required": ["id", "kind", "status"],
        "properties": {
            "id": _STR,
            "kind": {"type": "string", "enum": ["identity", "registration", "certificate",
                                                "bundle"]},
            "status": {"type": "string",
                       "enum": ["uploaded", "processing", "processed", "failed", "rejected"]},
            "content_type": _nullable(_STR), "size_bytes": _nullable({"type": "integer"}),
            "created_at": _nullable({**_STR, "format": "date-time"}),
            "document_type": _nullable(_STR),
            "quality": _nullable({"type": "object"}),
            "error": _nullable({"type": "object", "properties": {"code": _STR,
                                                                  "message": _STR}}),
            "downloadable": {"type": "boolean"},
        },
    },
    "Check": {
        "type": "object", "required": ["name", "status", "detail"],
        "properties": {"name": _STR,
                       "status": {"type": "string", "enum": ["pass", "warn", "fail", "skip"]},
                       "detail": _STR},
    },
    "Order": {
        "type": "object",
        "required": ["id", "reference", "status", "checks", "documents", "timeline",
                     "explanations", "actions"],
        "properties": {
            "id": _STR, "reference": _STR,
            "status": {"type": "string", "enum": [s.value for s in OrderStatus]},
            "status_label": _STR,
            "created_at": _nullable({**_STR, "format": "date-time"}),
            "submitted_at": _nullable({**_STR, "format": "date-time"}),
            "status_changed_at": _nullable({**_STR, "format": "date-time"}),
            "vehicle": {"type": "object"},
            "delivery_option": _STR,
            "price": {"type": "object", "properties": {"amount_cents": {"type": "integer"},
                                                       "currency": _STR}},
            "checks": {"type": "array", "items": _ref("Check")},
            "documents": {"type": "array", "items": _ref("Document")},
            "timeline": {"type": "array", "items": {
                "type": "object", "required": ["status", "at"],
                "properties": {"status": _STR, "label": _STR,
                               "at": _nullable({**_STR, "format": "date-time"}),
                               "reason": _nullable(_STR)}}},
            "explanations": {"type": "array", "items": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": _STR, "message": _STR}}},
            "actions": {"type": "array", "items": _STR},
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.0 document of the API."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "coc-service API", "version": "1.0.0",
                 "description": "Order certificates of conformity: create an order, upload its "
                 "documents, submit it and follow it. Errors are "
                 '{"error": {"code", "message"}}.'},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An order's access_token or an account's API token"}},
            "schemas": _SCHEMAS,
        },
        "paths": {
            "/api/v1/orders": {"post": {
                "operationId": "createOrder", "summary": "Create a draft order",
                "security": [{}, *_BEARER],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                                "description": "Repeat a request safely: the same key gives "
                                "the same order (with a fresh access token)."}],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("OrderCreate"), "example": _EXAMPLE}}},
                "responses": {"201": _json(_ref("OrderCreated"), "Order created"),
                              **_errors("400", "401", "409", "413", "415", "422", "429",
                                        "503")},
            }},
            "/api/v1/orders/{order_id}": {"get": {
                "operationId": "getOrder", "summary": "Follow an order",
                "security": _BEARER, "parameters": [_ORDER_ID],
                "responses": {"200": _json(_ref("Order"), "The order"),
                              **_errors(*_COMMON_ERRORS)},
            }},
            "/api/v1/orders/{order_id}/documents": {"post": {
                "operationId": "uploadDocument", "summary": "Upload a scan or photo",
                "security": _BEARER, "parameters": [_ORDER_ID],
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "required": ["file", "kind"], "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "PDF, JPEG, PNG, TIFF, WebP or HEIC"},
                        "kind": {"type": "string", "enum": ["identity", "registration"]}}}}}},
                "responses": {"201": _json(_ref("Document"), "Stored"),
                              **_errors(*_COMMON_ERRORS, "409", "413", "415", "422")},
            }},
            "/api/v1/orders/{order_id}/submit": {"post": {
                "operationId": "submitOrder", "summary": "Submit the order for checking",
                "security": _BEARER, "parameters": [_ORDER_ID],
                "responses": {"202": _json(_ref("OrderState"), "Accepted (idempotent)"),
                              **_errors(*_COMMON_ERRORS, "409")},
            }},
            "/api/v1/orders/{order_id}/documents/{document_id}/download": {"get": {
                "operationId": "downloadCertificate",
                "summary": "Download the certificate of conformity (PDF, as an attachment)",
                "security": _BEARER,
                "parameters": [_ORDER_ID, {**_ORDER_ID, "name": "document_id"}],
                "responses": {"200": {"description": "The certificate", "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                    **_errors(*_COMMON_ERRORS)},
            }},
        },
    }
