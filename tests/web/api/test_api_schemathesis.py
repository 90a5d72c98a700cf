"""Property-based run of schemathesis against the served OpenAPI document: no server error,
and every response matches what the document declares."""

from __future__ import annotations

import io
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coc_service.db import Order
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.orders.service import attach_certificate, attach_document, submit_order
from tests.orders.order_samples import pdf_bytes, scan_bytes
from tests.web.api.api_helpers import bearer, place_order

pytestmark = [pytest.mark.db, pytest.mark.slow]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 12


def _run(operation: Any, mode: Any, headers: dict[str, str],
         path_parameters: dict[str, str] | None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_schemathesis_finds_no_server_error(api, app, runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.settings = runtime.settings.with_overrides(rate_limit_api_per_minute=1_000_000)
    created = place_order(api)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "POST /api/v1/orders", "GET /api/v1/orders/{order_id}",
        "POST /api/v1/orders/{order_id}/documents", "POST /api/v1/orders/{order_id}/submit",
        "GET /api/v1/orders/{order_id}/documents/{document_id}/download",
    }
    auth = bearer(created["access_token"])
    for operation in operations:
        real_ids = {"order_id": created["id"]} if "{order_id}" in operation.path else None
        # on the real order (authorised paths), then with generated ids (404 paths)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _run(operation, mode, auth, real_ids)
        if real_ids is not None:
            _run(operation, schemathesis.GenerationMode.POSITIVE, auth, None)
    # a real certificate, so that the download's 200 answer is held to the document too
    order_id, certificate_id, token = _order_with_certificate(api, runtime)
    download = schema["/api/v1/orders/{order_id}/documents/{document_id}/download"]["GET"]
    _run(download, schemathesis.GenerationMode.POSITIVE, bearer(token),
         {"order_id": order_id, "document_id": certificate_id})


def _order_with_certificate(api: Any, runtime: Any) -> tuple[str, str, str]:
    created = place_order(api)
    with runtime.db.transaction() as session:
        order = session.get(Order, created["id"])
        attach_document(session, runtime, order, "identity", io.BytesIO(scan_bytes()))
        attach_document(session, runtime, order, "registration", io.BytesIO(scan_bytes(seed=2)))
        submit_order(session, runtime, order)
        for target in (OrderStatus.AUTO_APPROVED, OrderStatus.FORWARDED):
            transition(session, order, target, actor="system")
        document = attach_certificate(session, runtime, order, io.BytesIO(pdf_bytes()),
                                      actor="supplier").document
        return order.id, document.id, created["access_token"]
