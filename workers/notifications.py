"""Jobs that send e-mail: build the message from the database, hand it to the mailer."""

from __future__ import annotations

import logging

from coc_service import runtime as runtimes
from coc_service.mail.messages import build_mail, to_message

log = logging.getLogger(__name__)


def send_mail(object_id: str, kind: str) -> bool:
    """Send mail `kind` about an order (or, for a password reset, an account); True if sent.

    SMTP failures raise ServiceUnavailable, so RQ retries with back-off.
    """
    runtime = runtimes.current()
    with runtime.db.transaction() as session:
        mail = build_mail(session, runtime.settings, object_id, kind)
    if mail is None:
        log.info("mail not sent", extra={"kind": kind, "object_id": object_id})
        return False
    runtime.mailer.send(to_message(mail, runtime.settings))
    log.info("mail sent", extra={"kind": kind, "object_id": object_id})
    return True
