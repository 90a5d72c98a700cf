"""Records of the customers' privacy requests and of audit-log pruning checkpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from coc_service.db.base import Base, IdMixin, utcnow


class PrivacyRequest(IdMixin, Base):
    """One request a person made about their data (GDPR art. 15-21), kept as proof of the answer.

    Holds ids, codes and counts only: never the free text of a request.
    """

    __tablename__ = "privacy_requests"

    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(String(36))  # guest orders have no account
    kind: Mapped[str] = mapped_column(String(24))  # deactivation | erasure | export | marketing
    status: Mapped[str] = mapped_column(String(16), default="completed")
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)  # counts and ids only


class AuditCheckpoint(Base):
    """Where pruning cut the audit chain: the hash the oldest remaining event must link to."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_deleted_id: Mapped[int]
    last_deleted_hash: Mapped[str] = mapped_column(String(64))
    deleted_count: Mapped[int]
