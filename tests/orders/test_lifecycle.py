from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from coc_service.db import Order, OrderTransition
from coc_service.orders.lifecycle import (
    CANCELLABLE,
    FINAL,
    TRANSITIONS,
    IllegalTransition,
    OrderStatus,
    can_transition,
    transition,
)

S = OrderStatus


def test_happy_path_is_allowed() -> None:
    path = [S.DRAFT, S.SUBMITTED, S.PROCESSING, S.AUTO_APPROVED, S.FORWARDED, S.ACKNOWLEDGED,
            S.CERTIFICATE_RECEIVED, S.COMPLETED]
    for current, target in itertools.pairwise(path):
        assert can_transition(current, target), (current, target)


def test_review_branches() -> None:
    assert can_transition(S.NEEDS_REVIEW, S.AWAITING_CUSTOMER)
    assert can_transition(S.AWAITING_CUSTOMER, S.PROCESSING)
    assert can_transition(S.NEEDS_REVIEW, S.APPROVED)
    assert can_transition(S.APPROVED, S.FORWARDED)
    assert can_transition(S.NEEDS_REVIEW, S.REJECTED)


def test_cancel_only_before_forwarded() -> None:
    for state in OrderStatus:
        expected = state in CANCELLABLE
        assert can_transition(state, S.CANCELLED) is expected, state
    assert not can_transition(S.FORWARDED, S.CANCELLED)


def test_final_states_have_no_way_out() -> None:
    for state in FINAL:
        assert TRANSITIONS[state] == frozenset()


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.DRAFT, S.AUTO_APPROVED), (S.PROCESSING, S.FORWARDED), (S.COMPLETED, S.DRAFT),
     (S.AUTO_APPROVED, S.NEEDS_REVIEW), (S.DRAFT, "no_such_state")],
)
def test_illegal_moves_are_refused(current: str, target: str) -> None:
    assert not can_transition(current, target)


def _order(**kw: object) -> Order:
    return Order(reference="COC-TEST-0001", vin="VF3LBBHZHKS123456", make="Peugeot", **kw)


@pytest.mark.db
def test_transition_records_who_when_why(db) -> None:  # type: ignore[no-untyped-def]
    session = db.database.session()
    order = _order()
    session.add(order)
    session.flush()
    transition(session, order, S.SUBMITTED, actor="customer", reason="submitted online")
    session.flush()
    assert order.status == "submitted"
    assert order.submitted_at is not None
    stmt = select(OrderTransition).where(OrderTransition.order_id == order.id)
    rows = session.scalars(stmt).all()
    assert [(r.from_status, r.to_status, r.actor, r.reason) for r in rows] == [
        ("draft", "submitted", "customer", "submitted online")
    ]
    assert rows[0].created_at.tzinfo is not None


@pytest.mark.db
def test_illegal_transition_raises_and_changes_nothing(db) -> None:  # type: ignore[no-untyped-def]
    session = db.database.session()
    order = _order()
    session.add(order)
    session.flush()
    with pytest.raises(IllegalTransition) as info:
        transition(session, order, S.FORWARDED, actor="staff")
    message = str(info.value)
    assert "draft" in message and "forwarded" in message and "submitted" in message
    assert order.status == "draft"
    assert session.scalars(select(OrderTransition)).all() == []
