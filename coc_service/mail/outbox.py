"""Queue an e-mail once the database commit that makes it true has happened.

Each (object, kind) pair is its own job: a "received" mail still waiting in the queue must not
swallow the "link" or "action_needed" mail of the same order, as a job keyed by the order alone
would. If Redis is down at that moment the mail is lost and logged (mails are notices: the order
page always shows the same information).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from coc_service.errors import ServiceUnavailable

log = logging.getLogger(__name__)

_PENDING = "pending_mails"


def queue_mail(session: Session, object_id: str, kind: str) -> None:
    """Send mail `kind` about `object_id` (an order, or an account) after `session` commits."""
    pending: list[tuple[str, str]] = session.info.setdefault(_PENDING, [])
    if (object_id, kind) not in pending:
        pending.append((object_id, kind))
    if not session.info.get("mail_hooks"):
        event.listen(session, "after_commit", _flush)
        event.listen(session, "after_soft_rollback", _drop)
        session.info["mail_hooks"] = True


def _flush(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    queue = session.info.get("job_queue")
    if queue is None:
        if pending:
            log.warning("mails not queued: no queue bound to this session",
                        extra={"n": len(pending)})
        return
    for object_id, kind in pending:
        try:
            queue.enqueue_once("send_mail", f"{object_id}-{kind}", object_id, kind)
        except ServiceUnavailable:
            log.warning("mail not queued: Redis unreachable", extra={"kind": kind})


def _drop(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
