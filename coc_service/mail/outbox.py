"""Queue an e-mail once the database commit that makes it true has happened.

Each (object, kind) pair is its own job: a "received" mail still waiting in the queue must not
swallow the "link" or "action_needed" mail of the same order. If Redis is down at that moment
the mail is lost and logged (mails are notices: the order page always shows the same
information).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from coc_service.queue import enqueue_after_commit


def queue_mail(session: Session, object_id: str, kind: str) -> None:
    """Send mail `kind` about `object_id` (an order, or an account) after `session` commits."""
    enqueue_after_commit(session, "send_mail", object_id, kind)
