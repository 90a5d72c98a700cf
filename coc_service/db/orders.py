"""Orders, their documents, check results and the recorded lifecycle transitions."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coc_service.db.base import Base, IdMixin, TimestampMixin, utcnow

if TYPE_CHECKING:
    from coc_service.db.accounts import Customer, User
    from coc_service.db.suppliers import Supplier


class Order(IdMixin, TimestampMixin, Base):
    __tablename__ = "orders"

    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="draft", index=True)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("suppliers.id"))
    # a client-chosen key so that a second click or a retried request makes no second order
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    # vehicle
    vin: Mapped[str] = mapped_column(String(17), index=True)
    make: Mapped[str] = mapped_column(String(64))
    first_registration_date: Mapped[date | None]
    registration_number: Mapped[str | None] = mapped_column(String(16))
    vehicle_extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # customer snapshot at order time: individual or company
    customer_kind: Mapped[str] = mapped_column(String(16), default="individual")
    customer_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    billing_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    delivery_option: Mapped[str] = mapped_column(String(16), default="email")
    price_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    terms_accepted_at: Mapped[datetime | None]
    marketing_consent: Mapped[bool] = mapped_column(default=False)

    # envelope encryption: this order's data key, wrapped by the key provider
    wrapped_data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_id: Mapped[str | None] = mapped_column(String(200))
    data_key_shredded_at: Mapped[datetime | None]

    submitted_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    # which document versions the stored check results were computed from
    evaluated_digest: Mapped[str | None] = mapped_column(String(64))
    evaluation_requested_digest: Mapped[str | None] = mapped_column(String(64))
    processing_error: Mapped[str | None] = mapped_column(Text)
    restricted: Mapped[bool] = mapped_column(default=False)  # legal archive only

    customer: Mapped[Customer | None] = relationship()
    user: Mapped[User | None] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
    documents: Mapped[list[Document]] = relationship(
        back_populates="order", order_by="Document.created_at"
    )
    transitions: Mapped[list[OrderTransition]] = relationship(
        back_populates="order", order_by="OrderTransition.id"
    )
    checks: Mapped[list[CheckResult]] = relationship(
        back_populates="order", order_by="CheckResult.position"
    )

    def current_documents(self) -> list[Document]:
        return [d for d in self.documents if d.superseded_by_id is None and d.erased_at is None]


class Document(IdMixin, Base):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_order_kind", "order_id", "kind"),)

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(16))  # identity | registration | certificate | bundle
    # uploaded -> processing -> processed | failed | rejected; erased after retention
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    storage_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(64))  # detected from the bytes
    size_bytes: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None]
    document_type: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(3))
    quality: Mapped[dict[str, Any] | None] = mapped_column()
    fields: Mapped[dict[str, Any] | None] = mapped_column()
    mrz: Mapped[dict[str, Any] | None] = mapped_column()
    extraction: Mapped[dict[str, Any] | None] = mapped_column()  # the whole extract JSON
    engine: Mapped[dict[str, Any] | None] = mapped_column()
    timings_ms: Mapped[dict[str, Any] | None] = mapped_column()
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    superseded_by_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    reduced_at: Mapped[datetime | None]  # identity data cut to what proves the check was made

    order: Mapped[Order] = relationship(back_populates="documents")


class CheckResult(IdMixin, Base):
    __tablename__ = "check_results"
    __table_args__ = (UniqueConstraint("order_id", "name", name="uq_check_results_order_name"),)

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(8))  # pass | warn | fail | skip
    detail: Mapped[str] = mapped_column(Text, default="")
    detail_fr: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="checks")


class OrderTransition(Base):
    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))  # user id, "system" or "customer"
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="transitions")
