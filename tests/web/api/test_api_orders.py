from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from coc_service.accounts.tokens import create_account_token, revoke
from coc_service.db import Order, OrderTransition, User
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.orders.service import attach_certificate
from coc_service.web.api import access
from tests.orders.order_samples import ORDER, order_data, pdf_bytes, scan_bytes
from tests.web.api.api_helpers import bearer, place_order

pytestmark = pytest.mark.db


def _upload(client: Any, order_id: str, token: str, kind: str, payload: bytes,
            name: str = "scan.jpg") -> Any:
    return client.post(f"/api/v1/orders/{order_id}/documents", headers=bearer(token),
                       data={"kind": kind, "file": (io.BytesIO(payload), name)},
                       content_type="multipart/form-data")


def test_create_upload_submit_and_follow(api) -> None:  # type: ignore[no-untyped-def]
    created = place_order(api)
    assert created["status"] == "draft" and created["reference"].startswith("COC-")
    token, order_id = created["access_token"], created["id"]
    r = _upload(api, order_id, token, "identity", scan_bytes())
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["kind"] == "identity" and body["status"] == "uploaded" and body["id"]
    # the quick photo verdict comes back at once, so the customer can retake a bad photo
    assert isinstance(body["quality"]["acceptable"], bool)
    assert isinstance(body["quality"]["problems"], list)
    # the name says PDF, the bytes say PNG: the bytes win
    r = _upload(api, order_id, token, "registration", scan_bytes("PNG"), name="scan.pdf")
    assert r.status_code == 201 and r.get_json()["content_type"] == "image/png"
    r = api.post(f"/api/v1/orders/{order_id}/submit", headers=bearer(token))
    assert r.status_code == 202 and r.get_json()["status"] == "processing"
    r = api.get(f"/api/v1/orders/{order_id}", headers=bearer(token))
    assert r.status_code == 200
    view = r.get_json()
    assert view["status"] == "processing" and view["id"] == order_id
    assert sorted(d["kind"] for d in view["documents"]) == ["identity", "registration"]
    assert isinstance(view["checks"], list)
    assert [t["status"] for t in view["timeline"]] == ["draft", "submitted", "processing"]


def test_second_submit_makes_no_second_transition(api, runtime) -> None:  # type: ignore[no-untyped-def]
    created = place_order(api)
    token, order_id = created["access_token"], created["id"]
    _upload(api, order_id, token, "identity", scan_bytes())
    _upload(api, order_id, token, "registration", pdf_bytes(), name="r.pdf")
    first = api.post(f"/api/v1/orders/{order_id}/submit", headers=bearer(token))
    second = api.post(f"/api/v1/orders/{order_id}/submit", headers=bearer(token))
    assert first.status_code == second.status_code == 202
    with runtime.db.session() as s:
        count = s.scalar(select(func.count()).select_from(OrderTransition)
                         .where(OrderTransition.order_id == order_id,
                                OrderTransition.to_status == "submitted"))
    assert count == 1


def test_submit_without_documents_names_what_is_missing(api) -> None:  # type: ignore[no-untyped-def]
    created = place_order(api)
    r = api.post(f"/api/v1/orders/{created['id']}/submit", headers=bearer(created["access_token"]))
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "missing_documents"
    assert r.get_json()["error"]["missing"] == ["identity", "registration"]


@pytest.mark.parametrize(("payload", "code"), [
    (b"", "empty"), (b"<html><body>hi</body></html>", "unsupported_type"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "corrupt"),
])
def test_bad_files_get_422_with_the_extract_code(api, payload, code) -> None:  # type: ignore[no-untyped-def]
    created = place_order(api)
    r = _upload(api, created["id"], created["access_token"], "identity", payload)
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == code
    view = api.get(f"/api/v1/orders/{created['id']}", headers=bearer(created["access_token"]))
    assert view.get_json()["documents"] == []


def test_too_large_file(api, runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.settings = runtime.settings.with_overrides(max_upload_bytes=20_000)
    created = place_order(api)
    r = _upload(api, created["id"], created["access_token"], "identity", b"\xff\xd8\xff" * 10_000)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "too_large"


def test_upload_form_problems(api) -> None:  # type: ignore[no-untyped-def]
    created = place_order(api)
    oid, token = created["id"], created["access_token"]
    r = _upload(api, oid, token, "passport", scan_bytes())
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid_kind"
    r = api.post(f"/api/v1/orders/{oid}/documents", headers=bearer(token),
                 data={"kind": "identity"}, content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "missing_file"
    r = api.post(f"/api/v1/orders/{oid}/documents", headers=bearer(token), json={"kind": "x"})
    assert r.status_code == 415


def test_body_over_the_request_limit_is_413(api, app) -> None:  # type: ignore[no-untyped-def]
    created = place_order(api)
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    r = _upload(api, created["id"], created["access_token"], "identity", b"\xff\xd8\xff" * 30_000)
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"


def test_auth_missing_invalid_and_foreign(api) -> None:  # type: ignore[no-untyped-def]
    mine, other = place_order(api), place_order(api)
    url = f"/api/v1/orders/{mine['id']}"
    assert api.get(url).status_code == 401
    assert api.get(url).headers["WWW-Authenticate"].startswith("Bearer")
    assert api.get(url, headers=bearer("coco_nope")).status_code == 401
    assert api.get(url, headers={"Authorization": "Basic abc"}).status_code == 401
    foreign = api.get(url, headers=bearer(other["access_token"]))
    unknown = api.get("/api/v1/orders/00000000-0000-0000-0000-000000000000",
                      headers=bearer(other["access_token"]))
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_json() == unknown.get_json()
    r = _upload(api, mine["id"], other["access_token"], "identity", scan_bytes())
    assert r.status_code == 404
    r = api.post(f"/api/v1/orders/{mine['id']}/submit", headers=bearer(other["access_token"]))
    assert r.status_code == 404


def test_account_token_opens_the_accounts_orders_only(api, runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as s:
        user = User(email="partner@example.fr")
        s.add(user)
        s.flush()
        row, token = create_account_token(s, user, name="partner site")
        user_id, row_id = user.id, row.id
    created = place_order(api, **bearer(token))
    assert created["access_token"]
    with runtime.db.session() as s:
        assert s.get(Order, created["id"]).user_id == user_id
    assert api.get(f"/api/v1/orders/{created['id']}", headers=bearer(token)).status_code == 200
    guest = place_order(api)
    assert api.get(f"/api/v1/orders/{guest['id']}", headers=bearer(token)).status_code == 404
    with runtime.db.transaction() as s:
        assert revoke(s, row_id)
    assert api.get(f"/api/v1/orders/{created['id']}", headers=bearer(token)).status_code == 401


def test_idempotency_key_gives_one_order(api, runtime) -> None:  # type: ignore[no-untyped-def]
    key = {"Idempotency-Key": "3f1c7a2e-retry-me"}
    first = place_order(api, **key)
    second = place_order(api, **key)
    assert first["id"] == second["id"] and first["reference"] == second["reference"]
    assert second["access_token"] != first["access_token"]
    for token in (first["access_token"], second["access_token"]):
        assert api.get(f"/api/v1/orders/{first['id']}", headers=bearer(token)).status_code == 200
    with runtime.db.session() as s:
        refs = s.scalars(select(Order.reference).where(Order.reference == first["reference"]))
        assert len(list(refs)) == 1
    other = api.post("/api/v1/orders", json=order_data(vehicle__vin="VF3LBBHZHKS654321"),
                     headers=key)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_conflict"


def test_validation_errors_name_their_fields(api) -> None:  # type: ignore[no-untyped-def]
    data = order_data(vehicle__vin="VF3LBBHZHKS12345O0", customer__email="nope",
                      billing_address__postcode="123")
    r = api.post("/api/v1/orders", json=data)
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "invalid_order"
    assert set(error["fields"]) == {"vehicle.vin", "customer.email", "billing_address.postcode"}
    assert error["fields"]["vehicle.vin"]["code"] == "vin_format"
    assert error["fields"]["customer.email"]["message_fr"]


def test_malformed_requests_are_json_errors(api) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/api/v1/orders", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_json"
    r = api.post("/api/v1/orders", data="[" * 60_000, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_json"
    r = api.post("/api/v1/orders", data="a=b", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and r.is_json
    r = api.post("/api/v1/orders", data=b"{" + b" " * 70_000 + b"}",
                 content_type="application/json")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "too_large"
    r = api.delete("/api/v1/orders")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in r.headers["Allow"]
    r = api.get("/api/v1/nothing/here")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = api.post("/api/v1/orders", json=[1, 2])
    assert r.status_code == 422


def test_rate_limit_gives_429(api, runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # one fixed minute, so that the window cannot roll over in the middle of the test
    monkeypatch.setattr(access.time, "time", lambda: 1_800_000_000.0)
    runtime.settings = runtime.settings.with_overrides(rate_limit_api_per_minute=3)
    created = place_order(api)
    url = f"/api/v1/orders/{created['id']}"
    statuses = []
    # Redis is shared with other test runs that may flush it: allow a restarted window
    while 429 not in statuses and len(statuses) < 12:
        statuses.append(api.get(url, headers=bearer(created["access_token"])).status_code)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200} and len(statuses) >= 4
    r = api.get(url, headers=bearer(created["access_token"]))
    assert r.get_json()["error"]["code"] == "rate_limited" and int(r.headers["Retry-After"]) > 0
    # another token has its own window
    other = place_order(api)  # 4th request of this address
    assert other["id"]


def test_redis_down_gives_503(api, runtime) -> None:  # type: ignore[no-untyped-def]
    from redis import Redis

    created = place_order(api)
    runtime.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    r = api.get(f"/api/v1/orders/{created['id']}", headers=bearer(created["access_token"]))
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "service_unavailable"


def test_certificate_download_is_an_attachment(api, runtime) -> None:  # type: ignore[no-untyped-def]
    certificate = pdf_bytes()  # made once: a PDF carries its creation time
    created = place_order(api)
    token, oid = created["access_token"], created["id"]
    _upload(api, oid, token, "identity", scan_bytes())
    _upload(api, oid, token, "registration", scan_bytes(seed=2))
    api.post(f"/api/v1/orders/{oid}/submit", headers=bearer(token))
    with runtime.db.transaction() as s:
        order = s.get(Order, oid)
        for target in (OrderStatus.AUTO_APPROVED, OrderStatus.FORWARDED):
            transition(s, order, target, actor="system")
        cert_id = attach_certificate(s, runtime, order, io.BytesIO(certificate),
                                     actor="supplier").document.id
        scan_id = next(d.id for d in order.current_documents() if d.kind == "identity")
    r = api.get(f"/api/v1/orders/{oid}/documents/{cert_id}/download", headers=bearer(token))
    assert r.status_code == 200 and r.data == certificate
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.mimetype == "application/pdf"
    # scans are never served back
    r = api.get(f"/api/v1/orders/{oid}/documents/{scan_id}/download", headers=bearer(token))
    assert r.status_code == 404
    view = api.get(f"/api/v1/orders/{oid}", headers=bearer(token)).get_json()
    assert view["status"] == "certificate_received" and "download_certificate" in view["actions"]


def test_contract_example_is_accepted_verbatim(api) -> None:  # type: ignore[no-untyped-def]
    body = place_order(api, ORDER)
    assert set(body) == {"id", "reference", "status", "access_token"}


def test_hostile_ids_and_text_are_4xx_not_5xx(api) -> None:  # type: ignore[no-untyped-def]
    created = place_order(api)
    auth = bearer(created["access_token"])
    for order_id in ("%00", "x" * 300, "..", "%E2%80%AE"):
        assert api.get(f"/api/v1/orders/{order_id}", headers=auth).status_code == 404
    r = api.post("/api/v1/orders", json=order_data(customer__last_name="Du\x00pont"))
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["customer.last_name"]["code"] == "invalid_characters"
