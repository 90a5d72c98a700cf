"""The hash-chained audit log: verify, tampering detected, no personal data in details."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from coc_service.db import AuditEvent
from coc_service.privacy import audit
from coc_service.privacy.audit import UnsafeAuditDetails, record, verify_chain
from coc_service.runtime import Runtime

pytestmark = pytest.mark.db


def chain(session: Session, n: int = 5) -> list[AuditEvent]:
    events = [
        record(session, actor_id=f"staff-{i}", actor_role="staff", action="document.viewed",
               object_type="document", object_id=f"doc-{i}", reason="review",
               details={"order_id": f"order-{i}", "page": i})
        for i in range(n)
    ]
    session.commit()
    return events


def test_chain_links_each_event_to_the_one_before(session: Session, runtime: Runtime) -> None:
    events = chain(session)
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert verify_chain(session) == audit.VerifyReport(True, 5)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_events SET reason = 'nothing to see' WHERE id = :id",
        "UPDATE audit_events SET object_id = 'doc-other' WHERE id = :id",
        "UPDATE audit_events SET actor_id = NULL WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ],
)
def test_tampering_is_reported_with_the_first_broken_event(
    session: Session, runtime: Runtime, tamper: str
) -> None:
    events = chain(session)
    session.execute(text(tamper), {"id": events[2].id})
    session.commit()
    session.expire_all()
    report = verify_chain(session)
    expected = events[3].id if tamper.startswith("DELETE") else events[2].id
    assert not report.ok and report.first_broken_id == expected and report.checked == 2


def test_rewritten_hash_breaks_the_next_link(session: Session, runtime: Runtime) -> None:
    events = chain(session)
    session.execute(text("UPDATE audit_events SET reason = 'x', hash = :h WHERE id = :id"),
                    {"h": "f" * 64, "id": events[1].id})
    session.commit()
    session.expire_all()
    assert verify_chain(session).first_broken_id == events[1].id


@pytest.mark.parametrize("details", [
    {"email": "jean.dupont@example.fr"},
    {"name": "Jean Dupont"},
    {"score": 0.5},
    {"nested": {"holder": "DUPONT JEAN"}},
])
def test_details_refuse_anything_but_ids_and_codes(
    session: Session, runtime: Runtime, details: dict[str, object]
) -> None:
    with pytest.raises(UnsafeAuditDetails) as caught:
        record(session, actor_id=None, actor_role="system", action="x", object_type="x",
               object_id=None, details=details)
    assert "dupont" not in str(caught.value).lower()


def test_document_access_is_recorded(session: Session, runtime: Runtime) -> None:
    event = audit.record_document_access(session, actor_id="staff-1", actor_role="staff",
                                         document_id="doc-1", order_id="order-1",
                                         reason="review")
    assert (event.action, event.object_type, event.details) == (
        "document.viewed", "document", {"order_id": "order-1"})
    assert verify_chain(session).ok
