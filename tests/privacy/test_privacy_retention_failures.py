"""One item failing in a retention pass rolls back that item only; the others are done."""

from __future__ import annotations

import pytest
from privacy_builders import BOTH_STORES, DAY, T0, Builder
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from coc_service.db import AuditEvent, Document, Order
from coc_service.privacy import audit, retention
from coc_service.privacy.retention import apply_retention
from coc_service.runtime import Runtime
from tests.support.raw_objects import copies_of

pytestmark = [pytest.mark.db, BOTH_STORES]


class InjectedFailure(RuntimeError):
    pass


def test_a_failing_order_is_rolled_back_recorded_and_retried(
    session: Session, runtime: Runtime, build: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds = ("identity", "registration", "certificate")
    orders = sorted((build.order("completed", at=T0, kinds=kinds) for _ in range(3)),
                    key=lambda o: o.id)
    failing = orders[0]  # the pass takes orders by id: this one comes first
    certificate = next(d for d in failing.documents if d.kind == "certificate")
    session.commit()
    failing_id, certificate_key = failing.id, certificate.storage_key
    wrapped_before = failing.wrapped_data_key
    erase = retention.erase_documents

    def erase_then_fail(session: Session, runtime: Runtime, order: Order,
                        documents: list[Document], *, now: object) -> list[str]:
        erased = erase(session, runtime, order, documents, now=now)  # type: ignore[arg-type]
        if order.id == failing_id:  # after its objects went and its certificate was re-keyed
            raise InjectedFailure("storage hiccup")
        return erased

    monkeypatch.setattr(retention, "erase_documents", erase_then_fail)
    report = apply_retention(session, runtime, now=T0 + 30 * DAY, dry_run=False)

    assert report.failed == {"scans": [failing_id]}
    assert report.as_dict()["failed"] == {"scans": [failing_id]}
    scans_row = next(row for row in report.rows if row.key == "scans")
    assert scans_row.count == 4  # the two other orders' scans
    session.expire_all()
    # the other orders were done and committed despite the failure before them
    for order in orders[1:]:
        scans = [d for d in order.documents if d.kind != "certificate"]
        assert all(d.erased_at is not None for d in scans)
        assert all(copies_of(runtime.store, d.storage_key or "") == [] for d in scans)
        assert build.readable(next(d for d in order.documents if d.kind == "certificate"))
    # the failing one was rolled back: rows unmarked, old key and certificate object kept, the
    # re-encrypted copy deleted (its key was never committed)
    failing = session.get(Order, failing_id)
    assert failing is not None and failing.wrapped_data_key == wrapped_before
    assert all(d.erased_at is None for d in failing.documents)
    certificate = next(d for d in failing.documents if d.kind == "certificate")
    assert certificate.storage_key == certificate_key and build.readable(certificate)
    assert list(runtime.store.list_keys(f"orders/{failing_id}/")) == [certificate_key]
    # recorded: which item, which row, the error's type (nothing else)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.scans"
                                                                           ".failed")).all()
    assert [(e.object_type, e.object_id, e.details) for e in events] == [
        ("order", failing_id, {"error": "InjectedFailure"})]
    assert "storage hiccup" not in repr([(e.reason, e.details) for e in events])
    assert audit.verify_chain(session).ok

    monkeypatch.undo()
    again = apply_retention(session, runtime, now=T0 + 30 * DAY, dry_run=False)
    assert again.failed == {}
    assert next(row for row in again.rows if row.key == "scans").ids == [
        d.id for d in sorted(failing.documents, key=lambda d: d.id) if d.kind != "certificate"]
    session.expire_all()
    assert all(d.erased_at is not None for d in failing.documents if d.kind != "certificate")
    assert certificate.storage_key != certificate_key and build.readable(certificate)
    assert copies_of(runtime.store, certificate_key or "") == []


def test_the_pass_commits_item_by_item(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    first, second = sorted((build.order("cancelled", at=T0, kinds=("identity",))
                            for _ in range(2)), key=lambda o: o.id)
    session.commit()
    scans = (first.documents[0], second.documents[0])
    erased_at_commit: list[tuple[bool, bool]] = []

    def snapshot(_: Session) -> None:  # no SQL may run here: attributes already loaded only
        erased_at_commit.append((scans[0].erased_at is not None, scans[1].erased_at is not None))

    event.listen(session, "after_commit", snapshot)
    apply_retention(session, runtime, now=T0 + 30 * DAY, dry_run=False)
    event.remove(session, "after_commit", snapshot)
    # the scans row erased the first order, committed, then the second, committed
    assert erased_at_commit[:3] == [(False, False), (True, False), (True, True)]


def test_the_daily_job_fails_visibly_when_an_item_failed(
    session: Session, runtime: Runtime, build: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's job commits what it could, then raises so that RQ shows it failed."""
    from coc_service import runtime as runtimes
    from coc_service.privacy.retention_items import RetentionIncomplete
    from workers import maintenance

    order = build.order("completed", at=T0 - 400 * DAY, kinds=("identity",))
    session.commit()
    failing_id = order.id

    def always_fail(*_args: object, **_kwargs: object) -> list[str]:
        raise InjectedFailure("storage hiccup")

    monkeypatch.setattr(retention, "erase_documents", always_fail)
    monkeypatch.setattr(runtimes, "current", lambda: runtime)
    with pytest.raises(RetentionIncomplete) as raised:
        maintenance.apply_retention()
    assert failing_id in raised.value.failed["scans"]
    assert "rolled back" in str(raised.value) and failing_id not in str(raised.value)
