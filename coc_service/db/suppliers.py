"""Manufacturers' COC suppliers and the make catalogue they serve."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coc_service.db.base import Base, IdMixin, TimestampMixin


class Supplier(IdMixin, TimestampMixin, Base):
    __tablename__ = "suppliers"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)

    makes: Mapped[list[CatalogueEntry]] = relationship(back_populates="supplier")


class CatalogueEntry(IdMixin, Base):
    """One make the shop sells COCs for: who supplies it, price, lead time, extra fields."""

    __tablename__ = "catalogue"

    make: Mapped[str] = mapped_column(String(64), unique=True)  # canonical spelling
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id"))
    price_cents: Mapped[int]
    lead_time_days: Mapped[int]
    # extra order fields this make's supplier requires, e.g. [{"name": "colour", "label_fr": ...}]
    required_fields: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)

    supplier: Mapped[Supplier] = relationship(back_populates="makes")
