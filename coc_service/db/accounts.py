"""People who use the service: accounts with roles, customer profiles, API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coc_service.db.base import Base, IdMixin, TimestampMixin

if TYPE_CHECKING:
    from coc_service.db.suppliers import Supplier


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SUPPLIER = "supplier"
    ADMIN = "admin"
    PRIVACY = "privacy"  # reads restricted (legally retained) records, for the legal purpose only


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"  # the shop's "désactivé": login refused, data restricted
    ERASED = "erased"


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.CUSTOMER.value)
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.ACTIVE.value, index=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    supplier_id: Mapped[str | None] = mapped_column(ForeignKey("suppliers.id"))
    # bumped to revoke every open session of this account at once
    session_version: Mapped[int] = mapped_column(default=1)
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    marketing_consent_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]
    deactivated_at: Mapped[datetime | None]

    customer: Mapped[Customer | None] = relationship(back_populates="user", uselist=False)
    supplier: Mapped[Supplier | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE.value


class Customer(IdMixin, TimestampMixin, Base):
    """A customer's saved profile: fills the next order. Guests get one without a user."""

    __tablename__ = "customers"

    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="individual")  # or "company"
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    company_name: Mapped[str | None] = mapped_column(String(200))
    siren: Mapped[str | None] = mapped_column(String(9))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    restricted: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User | None] = relationship(back_populates="customer")
    addresses: Mapped[list[Address]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )

    def address(self, kind: str) -> Address | None:
        return next((a for a in self.addresses if a.kind == kind), None)


class Address(IdMixin, Base):
    __tablename__ = "addresses"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # billing | shipping
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(16))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="FR")

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    def as_dict(self) -> dict[str, Any]:
        return {
            "line1": self.line1,
            "line2": self.line2,
            "postcode": self.postcode,
            "city": self.city,
            "country": self.country,
        }


class ApiToken(IdMixin, Base):
    """A bearer token, stored as its SHA-256 only: an account's or one order's."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
