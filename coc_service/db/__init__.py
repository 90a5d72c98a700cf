"""Database models and sessions. Importing this package registers every model."""

from __future__ import annotations

from coc_service.db.accounts import Address, ApiToken, Customer, Role, User
from coc_service.db.audit import AuditEvent
from coc_service.db.base import Base
from coc_service.db.orders import CheckResult, Document, Order, OrderTransition
from coc_service.db.privacy import AuditCheckpoint, PrivacyRequest
from coc_service.db.session import Database
from coc_service.db.suppliers import CatalogueEntry, Supplier

__all__ = [
    "Address",
    "ApiToken",
    "AuditCheckpoint",
    "AuditEvent",
    "Base",
    "CatalogueEntry",
    "CheckResult",
    "Customer",
    "Database",
    "Document",
    "Order",
    "OrderTransition",
    "PrivacyRequest",
    "Role",
    "Supplier",
    "User",
]
