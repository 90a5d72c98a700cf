"""Deactivation, erasure requests and marketing withdrawal."""

from __future__ import annotations

import pytest
from privacy_builders import BOTH_STORES, DAY, EMAIL, GIVEN, SURNAME, T0, Builder, opens
from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db import ApiToken, AuditEvent, Customer, Order, PrivacyRequest, User
from coc_service.privacy import audit
from coc_service.privacy.accounts import (
    Actor,
    deactivate_account,
    may_read_order,
    request_erasure,
    withdraw_marketing,
)
from coc_service.privacy.retention import apply_retention
from coc_service.runtime import Runtime
from coc_service.storage.s3 import S3DocumentStore
from tests.support.raw_objects import leftovers, stored_copies

pytestmark = [pytest.mark.db, BOTH_STORES]


def account_with_history(build: Builder) -> tuple[User, dict[str, Order]]:
    user = build.user(created_at=T0 - 100 * DAY)
    orders = {
        "draft": build.order("draft", at=T0, user=user, kinds=("identity",)),
        "review": build.order("needs_review", at=T0, user=user),
        "forwarded": build.order("forwarded", at=T0, user=user,
                                 kinds=("identity", "registration", "bundle")),
        "completed": build.order("completed", at=T0 - 5 * DAY, user=user,
                                 kinds=("identity", "registration", "certificate")),
    }
    build.token(user=user)
    build.token(order=orders["review"])
    return user, orders


def test_deactivation(session: Session, runtime: Runtime, build: Builder) -> None:
    user, orders = account_with_history(build)
    version = user.session_version
    staff = Actor("staff-user-id", "staff")
    draft_id = orders["draft"].id

    report = deactivate_account(session, runtime, user, actor=staff, reason="customer request",
                                now=T0 + DAY)
    session.commit()

    assert user.status == "deactivated" and user.deactivated_at == T0 + DAY
    assert user.session_version == version + 1
    assert not user.marketing_consent
    tokens = session.scalars(select(ApiToken)).all()
    assert len(tokens) == 2 and all(t.revoked_at is not None for t in tokens)
    assert report.tokens_revoked == 2
    # drafts deleted, orders not yet with a supplier cancelled and archived
    assert report.drafts_deleted == [draft_id] and session.get(Order, draft_id) is None
    review = orders["review"]
    assert review.status == "cancelled" and review.transitions[-1].actor == "staff-user-id"
    assert report.orders_cancelled == [review.id]
    for closed in (review, orders["completed"]):
        assert closed.restricted and closed.wrapped_data_key is None
        assert leftovers(runtime.store, f"orders/{closed.id}/") == []
        assert all(d.erased_at is not None for d in closed.documents)
        assert closed.customer_snapshot == {"first_name": GIVEN, "last_name": SURNAME}
        assert not may_read_order(closed, "staff") and may_read_order(closed, "privacy")
    # the order with the supplier goes on, documents intact, until it closes
    forwarded = orders["forwarded"]
    assert report.orders_in_progress == [forwarded.id]
    assert not forwarded.restricted and all(build.readable(d) for d in forwarded.documents)
    assert may_read_order(forwarded, "staff")
    # profile details erased; the login e-mail stays (restricted) so login can be refused
    customer = user.customer
    assert customer is not None and customer.restricted
    assert (customer.first_name, customer.phone, customer.addresses) == (None, None, [])
    assert user.email.endswith(EMAIL)
    # recorded: an audit event (ids and counts only) and the request
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.deactivated"))
    recorded = event.one()
    assert recorded.object_id == user.id and recorded.actor_role == "staff"
    assert SURNAME not in repr(recorded.details) and EMAIL not in repr(recorded.details)
    request = session.scalars(select(PrivacyRequest)).one()
    assert (request.kind, request.user_id) == ("deactivation", user.id)
    assert audit.verify_chain(session).ok

    # once the supplier's order completes, the next retention pass archives it
    build.transition(forwarded, "acknowledged", T0 + 2 * DAY)
    build.transition(forwarded, "certificate_received", T0 + 3 * DAY)
    build.transition(forwarded, "completed", T0 + 4 * DAY)
    apply_retention(session, runtime, now=T0 + 4 * DAY, dry_run=False)
    assert forwarded.restricted and forwarded.wrapped_data_key is None


def test_deactivating_twice_changes_nothing_more(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    user, _ = account_with_history(build)
    deactivate_account(session, runtime, user, actor=user, reason="customer request")
    version = user.session_version
    again = deactivate_account(session, runtime, user, actor=user, reason="customer request")
    assert user.session_version == version
    assert (again.tokens_revoked, again.drafts_deleted, again.orders_cancelled,
            again.documents_erased, again.orders_restricted) == (0, [], [], [], [])


def test_erasure_request_keeps_only_the_legal_archive(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    user, orders = account_with_history(build)
    completed = orders["completed"]
    build.reupload(completed.documents[0])  # a customer's second try: two versions on S3
    erased = [orders[name] for name in ("draft", "review", "completed")]
    prefixes = [f"orders/{order.id}/" for order in erased]
    backup = {entry: (blob, entry.rpartition("@")[0]) for prefix in prefixes
              for entry, blob in stored_copies(runtime.store, prefix).items()}
    assert len(backup) == 6 + (1 if isinstance(runtime.store, S3DocumentStore) else 0)

    report = request_erasure(session, runtime, user, actor=user, reason="erasure request")
    session.commit()

    # every version and delete marker of the erased orders' objects is gone...
    assert [leftovers(runtime.store, prefix) for prefix in prefixes] == [[], [], []]
    # ...and the copies a backup took before cannot be opened with any key still held
    held_keys = build.held_data_keys()
    assert all(not opens(blob, data_key, key)
               for blob, key in backup.values() for data_key in held_keys)

    assert report.status == "erased" and user.status == "erased"
    assert user.email == f"erased-{user.id}@erased.invalid" and user.password_hash is None
    customer = session.get(Customer, user.customer.id if user.customer else "")
    assert customer is not None and customer.email is None and customer.last_name is None
    assert completed.restricted and completed.vin and completed.reference  # the record stays
    assert completed.billing_address["city"] == "Paris"
    assert "email" not in completed.customer_snapshot
    assert session.scalars(select(PrivacyRequest.kind)).all() == ["erasure"]
    erased = session.scalars(select(AuditEvent).where(AuditEvent.action == "account.erased"))
    assert erased.one().object_id == user.id
    # nothing personal is left on the account rows
    rows = repr([(u.email, u.last_login_at) for u in session.scalars(select(User))])
    rows += repr([(c.first_name, c.last_name, c.email, c.phone)
                  for c in session.scalars(select(Customer))])
    assert EMAIL not in rows and SURNAME not in rows


def test_withdraw_marketing(session: Session, runtime: Runtime, build: Builder) -> None:
    user = build.user(consent=True)
    order = build.order("completed", user=user, kinds=())
    assert withdraw_marketing(session, user, actor=user) is True
    assert not user.marketing_consent and user.marketing_consent_at is None
    assert not order.marketing_consent
    assert withdraw_marketing(session, user, actor=user) is False
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions == ["marketing.withdrawn", "marketing.withdrawn"]
