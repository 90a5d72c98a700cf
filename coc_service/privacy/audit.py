"""The append-only audit log: who did what to which object, when and why, hash-chained.

Each event's hash is SHA-256 over a canonical JSON of its fields and the previous event's hash,
so changing, inserting or deleting an event in the middle breaks every later link and
`verify_chain` names the first broken event. Pruning old events (retention) leaves a checkpoint
holding the hash of the last deleted event, which the oldest remaining event must link to.

Details carry ids, codes and counts only, never personal data: values are checked on the way in.
Appends are serialised: PostgreSQL takes a transaction-level advisory lock before reading the
last hash (released at commit or rollback); SQLite lets one writer at a time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from coc_service.db.audit import AuditEvent
from coc_service.db.base import utcnow
from coc_service.db.privacy import AuditCheckpoint

GENESIS = "0" * 64
# Any constant works; it only has to be the same for every writer of this database.
_ADVISORY_LOCK_KEY = 0x636F632D61756469  # "coc-audi"
_BATCH = 1000
# ids, codes, statuses, ISO timestamps: no spaces, no "@", so no names or e-mail addresses
_SAFE_TEXT = re.compile(r"[A-Za-z0-9_.:+\-/]{0,100}")


_HASHED_COLUMNS = (
    AuditEvent.id, AuditEvent.created_at, AuditEvent.actor_id, AuditEvent.actor_role,
    AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.reason,
    AuditEvent.details, AuditEvent.prev_hash, AuditEvent.hash,
)


class UnsafeAuditDetails(ValueError):
    """Audit details must hold ids, codes and counts only."""


@dataclass(frozen=True)
class VerifyReport:
    """The result of checking the chain: ok, how many events were checked, the first bad one."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    problem: str = ""


def _check_details(value: Any, path: str = "details") -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        raise UnsafeAuditDetails(f"{path}: floats do not hash reproducibly; use integers")
    if isinstance(value, str):
        if not _SAFE_TEXT.fullmatch(value):
            raise UnsafeAuditDetails(f"{path}: only ids and codes may be recorded")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_details(item, f"{path}[{index}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not _SAFE_TEXT.fullmatch(key):
                raise UnsafeAuditDetails(f"{path}: keys are plain identifiers")
            _check_details(item, f"{path}.{key}")
        return
    raise UnsafeAuditDetails(f"{path}: unsupported value type {type(value).__name__}")


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC datetimes in some paths
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(event: Any) -> str:
    """Return the hash an event must carry: over its canonical JSON and the previous hash.

    `event` is an AuditEvent or a row with the same attribute names.
    """
    canonical = json.dumps(
        {
            "created_at": _timestamp(event.created_at),
            "actor_id": event.actor_id,
            "actor_role": event.actor_role,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "reason": event.reason,
            "details": event.details,
            "prev_hash": event.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    """Hold the chain's write lock until the transaction ends, before reading its head."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    elif dialect == "sqlite":
        # A write statement (even one matching no row) opens the write transaction now, so the
        # head read next sees every committed event and no other writer can append meanwhile.
        session.execute(text("UPDATE audit_events SET id = id WHERE id < 0"))


def _head_hash(session: Session) -> str:
    last = session.scalars(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if last is not None:
        return last
    checkpoint = latest_checkpoint(session)
    return checkpoint.last_deleted_hash if checkpoint is not None else GENESIS


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).first()


def record(
    session: Session,
    *,
    actor_id: str | None,
    actor_role: str,
    action: str,
    object_type: str,
    object_id: str | None,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain (flushed, committed with the caller's transaction).

    `reason` is a short code or sentence written by the service, never text a customer typed;
    `details` hold ids, codes and counts only (UnsafeAuditDetails otherwise).
    """
    payload = dict(details or {})
    _check_details(payload)
    _lock_chain(session)
    session.flush()  # events added earlier in this transaction come first in the chain
    event = AuditEvent(
        created_at=at or utcnow(),
        actor_id=actor_id,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        details=payload,
        prev_hash=_head_hash(session),
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def record_document_access(
    session: Session, *, actor_id: str, actor_role: str, document_id: str, order_id: str,
    reason: str, action: str = "document.viewed",
) -> AuditEvent:
    """Record that staff or a supplier opened (or downloaded) a document, and why."""
    return record(session, actor_id=actor_id, actor_role=actor_role, action=action,
                  object_type="document", object_id=document_id, reason=reason,
                  details={"order_id": order_id})


def verify_chain(session: Session) -> VerifyReport:
    """Return whether every event links to the one before and carries its own true hash."""
    checkpoint = latest_checkpoint(session)
    expected_prev = checkpoint.last_deleted_hash if checkpoint is not None else GENESIS
    after_id = checkpoint.last_deleted_id if checkpoint is not None else 0
    older = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.id <= after_id))
    if older is not None:
        return VerifyReport(False, 0, older, "event older than the pruning checkpoint")
    checked = 0
    last_id = after_id
    while True:
        # plain rows, not ORM objects: memory stays flat however long the chain is
        batch = session.execute(
            select(*_HASHED_COLUMNS).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(_BATCH)
        ).all()
        if not batch:
            return VerifyReport(True, checked)
        for event in batch:
            if event.prev_hash != expected_prev:
                return VerifyReport(False, checked, event.id, "does not link to the event before")
            if event_hash(event) != event.hash:
                return VerifyReport(False, checked, event.id, "content does not match its hash")
            checked += 1
            expected_prev = event.hash
            last_id = event.id


@dataclass(frozen=True)
class PruneResult:
    deleted: int
    last_deleted_id: int | None


def prune_before(session: Session, cutoff: datetime, *, dry_run: bool = False) -> PruneResult:
    """Delete the events recorded at or before `cutoff`, leaving a checkpoint; return counts.

    Only a prefix of the chain is ever deleted (events are appended in time order; an event a
    moment younger than the cut-off but older in the chain goes with it), so the remaining
    events still verify from the checkpoint.
    """
    _lock_chain(session)
    last_id = session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.created_at <= cutoff))
    if last_id is None:
        return PruneResult(0, None)
    count = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= last_id)
    ) or 0
    if dry_run:
        return PruneResult(count, last_id)
    last_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.id == last_id))
    assert last_hash is not None
    session.add(AuditCheckpoint(last_deleted_id=last_id, last_deleted_hash=last_hash,
                                deleted_count=count))
    session.execute(delete(AuditEvent).where(AuditEvent.id <= last_id))
    session.flush()
    return PruneResult(count, last_id)
