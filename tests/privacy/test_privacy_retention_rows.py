"""Time-travel tests: every policy row, one day before its period ends and on the boundary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from privacy_builders import BOTH_STORES, DAY, DOC_NUMBER, GIVEN, SURNAME, T0, Builder
from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db import ApiToken, AuditCheckpoint, Customer, Document, Order, User
from coc_service.privacy import audit
from coc_service.privacy.policy import Period
from coc_service.privacy.retention import RetentionReport, apply_retention
from coc_service.runtime import Runtime
from tests.support.raw_objects import copies_of, leftovers

pytestmark = [pytest.mark.db, BOTH_STORES]


def run(session: Session, runtime: Runtime, now: datetime) -> RetentionReport:
    report = apply_retention(session, runtime, now=now, dry_run=False)
    session.commit()
    return report


def counts(report: RetentionReport) -> dict[str, int]:
    return {row.key: row.count for row in report.rows if row.count}


@pytest.mark.parametrize("closed_as", ["completed", "cancelled", "rejected"])
def test_scans_erased_30_days_after_closure(
    session: Session, runtime: Runtime, build: Builder, closed_as: str
) -> None:
    order = build.order(closed_as, at=T0)
    scans = list(order.documents)
    build.reupload(scans[0])  # a second version of it on S3

    report = run(session, runtime, T0 + 30 * DAY - DAY)
    assert "scans" not in counts(report)
    assert all(build.readable(d) for d in scans)

    report = run(session, runtime, T0 + 30 * DAY)
    assert counts(report)["scans"] == 2
    assert sorted(report.rows[2].ids) == sorted(d.id for d in scans)
    for document in scans:
        assert document.erased_at is not None and document.status == "erased"
        assert not runtime.store.exists(document.storage_key or "")
    # every version of every object of the order is gone (S3: no delete marker left either)
    assert leftovers(runtime.store, f"orders/{order.id}/") == []
    # nothing of the order is kept any more: its data key is shredded
    assert order.wrapped_data_key is None
    assert order.data_key_shredded_at == T0 + 30 * DAY


def test_identity_data_reduced_to_proof_of_check(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    order = build.order("completed", at=T0)
    identity = next(d for d in order.documents if d.kind == "identity")

    run(session, runtime, T0 + 29 * DAY)
    assert identity.reduced_at is None and identity.fields["surname"]["value"] == SURNAME

    report = run(session, runtime, T0 + 30 * DAY)
    assert counts(report)["identity_data"] == 2
    assert identity.reduced_at is not None
    assert identity.fields == {
        "document_type": "id_card", "issuing_country": "FRA",
        "document_number_masked": "*" * (len(DOC_NUMBER) - 3) + DOC_NUMBER[-3:],
        "valid_at_submission": True, "checks": {"name_match": "pass"}, "reduced": True,
    }
    assert identity.mrz == {"format": "TD1", "valid": True}
    assert identity.extraction is None
    registration = next(d for d in order.documents if d.kind == "registration")
    assert "holder_name" not in registration.fields
    check = order.checks[0]
    assert check.status == "pass" and check.evidence == {"reduced": True, "fields": ["surname"]}
    rows = repr([d.fields for d in order.documents]) + repr([d.mrz for d in order.documents])
    rows += check.detail + check.detail_fr + repr(check.evidence)
    assert SURNAME not in rows and GIVEN not in rows and DOC_NUMBER not in rows


def test_supplier_bundle_erased_7_days_after_acknowledgement(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    order = build.order("forwarded", at=T0 - DAY, kinds=("identity", "registration", "bundle"))
    build.transition(order, "acknowledged", T0)
    bundle = next(d for d in order.documents if d.kind == "bundle")
    scans = [d for d in order.documents if d.kind != "bundle"]
    old_wrapped = order.wrapped_data_key

    report = run(session, runtime, T0 + 6 * DAY)
    assert "supplier_bundles" not in counts(report) and build.readable(bundle)

    report = run(session, runtime, T0 + 7 * DAY)
    assert counts(report) == {"supplier_bundles": 1}
    assert bundle.erased_at is not None and copies_of(runtime.store, bundle.storage_key or "") == []
    # the scans the open order still needs were re-encrypted under a fresh key
    assert order.wrapped_data_key not in (None, old_wrapped)
    assert all(build.readable(d) for d in scans)
    assert all(d.storage_key and d.storage_key.endswith(".k1") for d in scans)
    # and the objects under the old key are gone once the transaction committed
    assert not any(runtime.store.exists(f"orders/{order.id}/documents/{d.id}") for d in scans)


def test_drafts_deleted_7_days_after_last_activity(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    guest = build.guest(at=T0 - 3 * DAY)
    draft = build.order("draft", at=T0 - 3 * DAY, customer=guest, kinds=("identity",))
    build.document(draft, "registration", at=T0)  # the last activity: an upload at T0
    token = build.token(order=draft)
    keys = [d.storage_key for d in draft.documents]
    draft_id, token_id, guest_id = draft.id, token.id, guest.id

    report = run(session, runtime, T0 + 6 * DAY)
    assert "draft_orders" not in counts(report)
    assert session.get(Order, draft_id) is not None

    report = run(session, runtime, T0 + 7 * DAY)
    assert counts(report)["draft_orders"] == 1 and report.rows[0].ids == [draft_id]
    session.expire_all()
    assert session.get(Order, draft_id) is None
    assert session.get(ApiToken, token_id) is None
    assert session.get(Customer, guest_id) is None  # the guest profile existed for it only
    assert session.scalars(select(Document).where(Document.order_id == draft_id)).all() == []
    assert not any(runtime.store.exists(k or "") for k in keys)
    assert leftovers(runtime.store, f"orders/{draft_id}/") == []


def test_certificate_erased_1_year_after_delivery(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    order = build.order("completed", at=T0, kinds=("identity", "registration", "certificate"))
    certificate = next(d for d in order.documents if d.kind == "certificate")

    run(session, runtime, T0 + 30 * DAY)  # scans go; the certificate is re-keyed and kept
    assert order.wrapped_data_key is not None and build.readable(certificate)

    report = run(session, runtime, Period(years=1).after(T0) - DAY)
    assert "certificates" not in counts(report) and build.readable(certificate)

    report = run(session, runtime, Period(years=1).after(T0))
    assert counts(report) == {"certificates": 1}
    assert certificate.erased_at is not None and order.wrapped_data_key is None


def test_orders_of_a_deactivated_account_restricted_when_they_close(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    user = build.user()
    order = build.order("certificate_received", at=T0, user=user,
                        kinds=("identity", "registration", "certificate"))
    user.status = "deactivated"
    report = run(session, runtime, T0 + DAY)
    assert "closed_account_orders" not in counts(report) and not order.restricted

    build.transition(order, "completed", T0 + 2 * DAY)
    report = run(session, runtime, T0 + 2 * DAY)
    assert counts(report)["closed_account_orders"] == 1
    assert order.restricted and order.wrapped_data_key is None
    assert all(d.erased_at is not None for d in order.documents)
    assert "email" not in order.customer_snapshot and order.customer_snapshot["last_name"]


def test_customer_account_anonymised_3_years_after_last_contact(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    user = build.user(created_at=T0 - 400 * DAY)
    order = build.order("completed", at=T0 - 200 * DAY, user=user, kinds=())
    user.last_login_at = T0
    three_years = Period(years=3).after(T0)

    report = run(session, runtime, three_years - DAY)
    assert "customer_accounts" not in counts(report) and user.status == "active"

    report = run(session, runtime, three_years)
    assert counts(report)["customer_accounts"] == 1
    assert user.status == "erased" and user.email.endswith("@erased.invalid")
    assert user.password_hash is None and not user.marketing_consent
    customer = session.get(Customer, user.customer.id if user.customer else "")
    assert customer is not None and customer.last_name is None and customer.addresses == []
    assert order.restricted and order.customer_snapshot == {"first_name": GIVEN,
                                                            "last_name": SURNAME}


def test_guest_profile_anonymised_3_years_after_last_order(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    guest = build.guest(at=T0 - 20 * DAY)
    order = build.order("cancelled", at=T0, customer=guest, kinds=())
    three_years = Period(years=3).after(T0)
    assert "customer_accounts" not in counts(run(session, runtime, three_years - DAY))
    assert counts(run(session, runtime, three_years))["customer_accounts"] == 1
    assert guest.restricted and guest.email is None and order.restricted


def test_order_records_deleted_10_years_after_the_fiscal_year_end(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    order = build.order("completed", at=T0, kinds=("identity",))
    order_id = order.id
    year_end = datetime(T0.year + 1, 1, 1, tzinfo=UTC)  # the year closes at midnight
    boundary = Period(years=10).after(year_end)

    report = run(session, runtime, boundary - DAY)
    assert "order_records" not in counts(report)
    assert session.get(Order, order_id) is not None

    report = run(session, runtime, boundary)
    assert counts(report)["order_records"] == 1
    session.expire_all()
    assert session.get(Order, order_id) is None


def test_audit_events_pruned_after_1_year_chain_still_verifies(
    session: Session, runtime: Runtime
) -> None:
    for hour in range(3):
        audit.record(session, actor_id=None, actor_role="staff", action="document.viewed",
                     object_type="document", object_id=f"doc-{hour}", at=T0 + hour * DAY / 24)
    later = audit.record(session, actor_id=None, actor_role="staff", action="document.viewed",
                         object_type="document", object_id="doc-later", at=T0 + 100 * DAY)
    session.commit()
    one_year = Period(years=1).after(T0)

    report = run(session, runtime, one_year - DAY)
    assert "audit_events" not in counts(report)

    report = run(session, runtime, one_year)
    assert counts(report) == {"audit_events": 1}
    assert audit.verify_chain(session).ok
    checkpoint = session.scalars(select(AuditCheckpoint)).one()
    assert checkpoint.deleted_count == 1
    assert session.get(type(later), later.id) is not None

    report = run(session, runtime, one_year + DAY / 12)
    assert counts(report) == {"audit_events": 2}
    verified = audit.verify_chain(session)
    assert verified.ok and verified.checked >= 2  # the later event and the pruning records


def test_users_of_other_roles_are_never_anonymised(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    staff = build.user(created_at=T0 - 5000 * DAY)
    staff.role = "staff"
    run(session, runtime, T0 + 4000 * DAY)
    assert session.get(User, staff.id) is not None and staff.status == "active"
