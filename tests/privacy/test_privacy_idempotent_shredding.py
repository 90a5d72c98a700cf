"""A second retention pass changes nothing; dry runs change nothing; erased means undecryptable."""

from __future__ import annotations

import pytest
from privacy_builders import BOTH_STORES, DAY, T0, Builder, opens
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coc_service.db import AuditEvent, Document, Order, User
from coc_service.privacy.policy import Period
from coc_service.privacy.retention import apply_retention
from coc_service.runtime import Runtime
from coc_service.storage.errors import IntegrityError
from coc_service.storage.s3 import S3DocumentStore
from tests.support.raw_objects import copies_of, leftovers, stored_copies, write_raw

pytestmark = [pytest.mark.db, BOTH_STORES]


def populate(build: Builder) -> None:
    """One of everything the policy acts on."""
    user = build.user(created_at=T0 - 50 * DAY)
    build.order("completed", at=T0, user=user, kinds=("identity", "registration", "certificate"))
    build.order("cancelled", at=T0 - DAY, user=user)
    forwarded = build.order("forwarded", at=T0 - 2 * DAY, kinds=("identity", "bundle"))
    build.transition(forwarded, "acknowledged", T0 - DAY)
    build.order("draft", at=T0 - 20 * DAY, kinds=("identity",))
    build.guest(at=T0 - 3000 * DAY)


def snapshot(session: Session) -> tuple[object, ...]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Order)),
        session.scalar(select(func.count()).select_from(AuditEvent)),
        sorted((d.id, d.status, d.storage_key, d.erased_at, d.reduced_at)
               for d in session.scalars(select(Document))),
        sorted((o.id, o.restricted, o.wrapped_data_key, o.status)
               for o in session.scalars(select(Order))),
        sorted((u.id, u.status, u.email) for u in session.scalars(select(User))),
    )


@pytest.mark.parametrize("years", [0, 2, 12])
def test_second_pass_changes_nothing(
    session: Session, runtime: Runtime, build: Builder, years: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    populate(build)
    session.commit()
    now = Period(years=years).after(T0 + 40 * DAY)
    # the passes really run at `now`: what they record in the audit log is dated `now` too
    monkeypatch.setattr("coc_service.privacy.audit.utcnow", lambda: now)
    first = apply_retention(session, runtime, now=now, dry_run=False)
    session.commit()
    assert first.total > 0
    before = snapshot(session)
    objects = sorted(runtime.store.list_keys())

    second = apply_retention(session, runtime, now=now, dry_run=False)
    session.commit()
    assert second.total == 0, second.as_dict()
    assert snapshot(session) == before
    assert sorted(runtime.store.list_keys()) == objects


def test_dry_run_reports_the_same_and_changes_nothing(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    populate(build)
    session.commit()
    now = T0 + 40 * DAY
    before, objects = snapshot(session), sorted(runtime.store.list_keys())

    dry = apply_retention(session, runtime, now=now, dry_run=True)
    session.commit()
    assert snapshot(session) == before and sorted(runtime.store.list_keys()) == objects

    real = apply_retention(session, runtime, now=now, dry_run=False)
    assert dry.as_dict()["counts"] == real.as_dict()["counts"]
    assert {row.key: sorted(row.ids) for row in dry.rows} == {
        row.key: sorted(row.ids) for row in real.rows}


def test_a_kept_copy_of_an_erased_object_cannot_be_decrypted(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    store = runtime.store
    order = build.order("completed", at=T0, kinds=("identity", "registration", "certificate"))
    identity = next(d for d in order.documents if d.kind == "identity")
    certificate = next(d for d in order.documents if d.kind == "certificate")
    build.reupload(identity)  # on S3 the first upload stays behind as an older version
    key = identity.storage_key or ""
    backup = stored_copies(store, key)  # what a backup, or S3's versioning, would still hold
    assert len(backup) == (2 if isinstance(store, S3DocumentStore) else 1)
    assert order.wrapped_data_key is not None
    old_wrapped = order.wrapped_data_key
    old_data_key = runtime.keys.unwrap(old_wrapped)

    apply_retention(session, runtime, now=T0 + 30 * DAY, dry_run=False)
    session.commit()
    assert not store.exists(key)
    assert copies_of(store, key) == []  # on S3: no version and no delete marker either
    # the certificate is kept, under a fresh data key; the scans' key is gone from the database
    assert order.wrapped_data_key is not None and order.wrapped_data_key != old_wrapped
    held = {o.wrapped_data_key for o in session.scalars(select(Order))}
    assert old_wrapped not in held
    held_keys = build.held_data_keys()
    assert runtime.keys.unwrap(order.wrapped_data_key) in held_keys

    for blob in backup.values():
        # nothing the service still holds decrypts a kept copy...
        assert not any(opens(blob, data_key, key) for data_key in held_keys)
        # ...which only the destroyed key would have opened: the copy itself is intact
        assert opens(blob, old_data_key, key)
        # and put back where it was, the store refuses it too
        write_raw(store, key, blob)
        with pytest.raises(IntegrityError):
            store.read_bytes(key, runtime.keys.unwrap(order.wrapped_data_key))
    store.delete(key)

    apply_retention(session, runtime, now=Period(years=1).after(T0), dry_run=False)
    session.commit()
    assert certificate.erased_at is not None
    assert order.wrapped_data_key is None and order.data_key_shredded_at is not None
    assert leftovers(store, f"orders/{order.id}/") == []
