from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from coc_service.accounts.tokens import authenticate, hash_token
from coc_service.db import ApiToken, Customer, Document, Order, OrderTransition, User
from coc_service.documents.errors import DocumentRejected
from coc_service.orders.errors import IdempotencyConflict, MissingDocuments, OrderNotEditable
from coc_service.orders.input import parse_order_input
from coc_service.orders.lifecycle import IllegalTransition, OrderStatus, transition
from coc_service.orders.messages import OrderValidationError
from coc_service.orders.service import (
    approve,
    attach_certificate,
    attach_document,
    cancel_order,
    create_order,
    find_order_for_token,
    order_view,
    request_reupload,
    submit_order,
)
from coc_service.suppliers.catalogue import upsert_catalogue
from tests.orders.order_samples import ORDER, order_data, pdf_bytes, scan_bytes

pytestmark = pytest.mark.db


@pytest.fixture
def session(runtime):  # type: ignore[no-untyped-def]
    s = runtime.db.session()
    upsert_catalogue(s)
    s.flush()
    yield s
    s.close()


def _create(session: Any, runtime: Any, data: dict[str, Any] = ORDER,
            **kw: Any) -> tuple[Order, Any]:
    return create_order(session, runtime, parse_order_input(data, session=session), **kw)


def _transitions(session: Any, order: Order) -> list[tuple[str | None, str]]:
    rows = session.scalars(select(OrderTransition).where(OrderTransition.order_id == order.id)
                           .order_by(OrderTransition.id))
    return [(r.from_status, r.to_status) for r in rows]


def test_create_prices_snapshots_and_issues_a_hashed_token(session, runtime) -> None:  # type: ignore[no-untyped-def]
    order, token = _create(session, runtime, order_data(delivery_option="post"))
    assert order.status == "draft" and order.reference.startswith("COC-")
    assert len(order.reference) == 10 and not set(order.reference[4:]) & set("01ILOU")
    assert order.price_cents == 14900 + 900  # catalogue Peugeot + post
    assert order.customer_snapshot["email"] == "jean@example.fr"
    assert order.billing_address["postcode"] == "75002"
    assert order.supplier_id is not None
    assert token is not None
    row = session.scalars(select(ApiToken).where(ApiToken.order_id == order.id)).one()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert find_order_for_token(session, token) is order
    assert find_order_for_token(session, token + "x") is None
    assert _transitions(session, order) == [(None, "draft")]


def test_catalogue_make_and_required_fields(session, runtime) -> None:  # type: ignore[no-untyped-def]
    data = order_data(vehicle__vin="WDD2050041R123456", vehicle__make="Mercedes-Benz")
    with pytest.raises(OrderValidationError) as info:
        parse_order_input(data, session=session)
    assert info.value.codes() == {"vehicle.extra.colour": "required",
                                  "vehicle.extra.engine_code": "required"}
    data["vehicle"]["extra"] = {"colour": "Noir", "engine_code": "OM654"}
    order, _ = _create(session, runtime, data)
    assert order.vehicle_extra["colour"] == "Noir"
    unknown = order_data(vehicle__vin="SALGA2BE1LA123456", vehicle__make="Land Rover")
    with pytest.raises(OrderValidationError) as info:
        parse_order_input(unknown, session=session)
    assert info.value.codes() == {"vehicle.make": "make_unknown"}


def test_idempotency_key_returns_the_same_order(session, runtime) -> None:  # type: ignore[no-untyped-def]
    first, token1 = _create(session, runtime, idempotency_key="k-1")
    again, token2 = _create(session, runtime, idempotency_key="k-1")
    assert again.id == first.id and token1 != token2 and token2 is not None
    digest = first.idempotency_key
    count = session.scalar(select(func.count()).select_from(Order)
                           .where(Order.idempotency_key == digest))
    assert count == 1
    with pytest.raises(IdempotencyConflict):
        _create(session, runtime, order_data(vehicle__vin="VF3LBBHZHKS654321"),
                idempotency_key="k-1")


def test_logged_in_order_updates_profile(session, runtime) -> None:  # type: ignore[no-untyped-def]
    user = User(email="jean@example.fr", password_hash=None)
    session.add(user)
    session.flush()
    order, token = _create(session, runtime, order_data(marketing_consent=True), user=user)
    assert token is None and order.user_id == user.id
    profile = session.scalars(select(Customer).where(Customer.user_id == user.id)).one()
    assert profile.last_name == "Dupont" and profile.address("billing").city == "Paris"
    assert user.marketing_consent is True
    _create(session, runtime, order_data(customer__last_name="Durand"), user=user)
    profiles = session.scalars(select(Customer).where(Customer.user_id == user.id)).all()
    assert len(profiles) == 1 and profiles[0].last_name == "Durand"


def test_upload_submit_and_idempotent_second_submit(session, runtime) -> None:  # type: ignore[no-untyped-def]
    order, _ = _create(session, runtime)
    with pytest.raises(MissingDocuments) as info:
        submit_order(session, runtime, order)
    assert info.value.missing == ["identity", "registration"]
    result = attach_document(session, runtime, order, "identity", io.BytesIO(scan_bytes()))
    doc = result.document
    assert doc.storage_key == f"orders/{order.id}/documents/{doc.id}"
    assert doc.content_type == "image/jpeg" and doc.size_bytes == len(scan_bytes())
    assert order.wrapped_data_key is not None and order.data_key_id
    plain = runtime.store.read_bytes(doc.storage_key, runtime.keys.unwrap(order.wrapped_data_key))
    assert plain == scan_bytes()
    with pytest.raises(MissingDocuments) as info:
        submit_order(session, runtime, order)
    assert info.value.missing == ["registration"]
    attach_document(session, runtime, order, "registration", io.BytesIO(pdf_bytes()))
    assert submit_order(session, runtime, order) == "processing"
    assert submit_order(session, runtime, order) == "processing"
    assert _transitions(session, order) == [(None, "draft"), ("draft", "submitted"),
                                            ("submitted", "processing")]
    with pytest.raises(OrderNotEditable):
        attach_document(session, runtime, order, "identity", io.BytesIO(scan_bytes()))


def test_second_upload_supersedes_and_deletes_after_commit(session, runtime) -> None:  # type: ignore[no-untyped-def]
    order, _ = _create(session, runtime)
    old = attach_document(session, runtime, order, "identity", io.BytesIO(scan_bytes())).document
    new = attach_document(session, runtime, order, "identity",
                          io.BytesIO(scan_bytes("PNG", seed=2))).document
    assert old.superseded_by_id == new.id
    assert [d.id for d in order.current_documents()] == [new.id]
    assert runtime.store.exists(old.storage_key)  # still there until the commit
    session.commit()
    assert not runtime.store.exists(old.storage_key)
    assert runtime.store.exists(new.storage_key)


@pytest.mark.parametrize(("payload", "code"), [
    (b"", "empty"), (b"hello, world", "unsupported_type"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "corrupt"), (b"%PDF-1.7\nnot really", "corrupt"),
])
def test_bad_files_are_refused_and_store_nothing(session, runtime, payload, code) -> None:  # type: ignore[no-untyped-def]
    order, _ = _create(session, runtime)
    with pytest.raises(DocumentRejected) as info:
        attach_document(session, runtime, order, "identity", io.BytesIO(payload))
    assert info.value.code == code
    stmt = select(func.count()).select_from(Document).where(Document.order_id == order.id)
    assert session.scalar(stmt) == 0
    assert list(runtime.store.list_keys(f"orders/{order.id}/")) == []


def test_too_large_is_refused_while_streaming(session, runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.settings = runtime.settings.with_overrides(max_upload_bytes=10_000)
    order, _ = _create(session, runtime)
    with pytest.raises(DocumentRejected) as info:
        attach_document(session, runtime, order, "identity", io.BytesIO(b"\xff\xd8\xff" * 9000))
    assert info.value.code == "too_large"


def _to_review(session: Any, runtime: Any) -> Order:
    order, _ = _create(session, runtime)
    attach_document(session, runtime, order, "identity", io.BytesIO(scan_bytes()))
    attach_document(session, runtime, order, "registration", io.BytesIO(scan_bytes(seed=3)))
    submit_order(session, runtime, order)
    transition(session, order, OrderStatus.NEEDS_REVIEW, actor="system", reason="vin differs")
    return order


def test_reupload_request_and_reupload_return_to_processing(session, runtime) -> None:  # type: ignore[no-untyped-def]
    order = _to_review(session, runtime)
    request_reupload(session, order, "registration", actor="staff-1",
                     reason="The photo is blurred.")
    assert request_reupload(session, order, "registration", actor="staff-1",
                            reason="The photo is blurred.") == "awaiting_customer"
    view = order_view(order, locale="en")
    assert view["actions"] == ["reupload_registration"]
    assert any("blurred" in e["message"] for e in view["explanations"])
    attach_document(session, runtime, order, "registration", io.BytesIO(scan_bytes(seed=4)))
    assert order.status == "processing"
    assert _transitions(session, order)[-2:] == [("needs_review", "awaiting_customer"),
                                                 ("awaiting_customer", "processing")]


def test_approve_certificate_and_view(session, runtime) -> None:  # type: ignore[no-untyped-def]
    order = _to_review(session, runtime)
    approve(session, order, actor="staff-1")
    assert approve(session, order, actor="staff-1") == "approved"
    transition(session, order, OrderStatus.FORWARDED, actor="system")
    with pytest.raises(DocumentRejected):
        attach_certificate(session, runtime, order, io.BytesIO(scan_bytes()), actor="supplier")
    cert = attach_certificate(session, runtime, order, io.BytesIO(pdf_bytes()),
                              actor="supplier").document
    assert order.status == "certificate_received" and cert.kind == "certificate"
    view = order_view(order, locale="fr")
    assert view["status"] == "certificate_received"
    assert "download_certificate" in view["actions"]
    kinds = {d["kind"]: d for d in view["documents"]}
    assert kinds["certificate"]["downloadable"] and not kinds["identity"]["downloadable"]
    assert [t["status"] for t in view["timeline"]][-3:] == [
        "forwarded", "acknowledged", "certificate_received"]
    assert view["explanations"][-1]["message"].startswith("Votre certificat")
    with pytest.raises(IllegalTransition):  # forwarded orders can no longer be cancelled
        cancel_order(session, order, actor="customer")


def test_cancel_is_idempotent(session, runtime) -> None:  # type: ignore[no-untyped-def]
    order, token = _create(session, runtime)
    assert cancel_order(session, order, actor="customer") == "cancelled"
    assert cancel_order(session, order, actor="customer") == "cancelled"
    with pytest.raises(OrderNotEditable):
        submit_order(session, runtime, order)
    assert authenticate(session, token) is not None
