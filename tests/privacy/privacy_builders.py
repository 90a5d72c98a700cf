"""Builders for privacy tests: accounts, orders in any state, real encrypted documents.

Documents are stored encrypted in the runtime's store (the local folder under the test's tmp
var dir, or a versioned S3 bucket in moto with BOTH_STORES) with a per-order data key wrapped
by the runtime's local master key, exactly as the service does.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db import ApiToken, CheckResult, Customer, Document, Order, OrderTransition, User
from coc_service.db.accounts import Address
from coc_service.orders.lifecycle import FINAL
from coc_service.runtime import Runtime
from coc_service.storage.crypto import decrypt_stream
from coc_service.storage.errors import IntegrityError

T0 = datetime(2020, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SURNAME = "DELACROIX"
GIVEN = "MARIANNE"
EMAIL = "marianne.delacroix@example.fr"
DOC_NUMBER = "X4RTBPFW4"
VIN = "VF3LBBHZHKS123456"

# a module mark: its tests run on the local folder and on S3 (moto, bucket versioning on)
BOTH_STORES = pytest.mark.parametrize(
    "store_kind", ["local", pytest.param("s3", marks=pytest.mark.services)])


def opens(blob: bytes, data_key: bytes, object_key: str) -> bool:
    """Whether a raw stored copy decrypts and authenticates under `data_key`."""
    try:
        b"".join(decrypt_stream(io.BytesIO(blob), data_key, object_key))
    except IntegrityError:
        return False
    return True


def payload(kind: str, order_id: str) -> bytes:
    """Return distinct fake file bytes for a document (a PDF header and some padding)."""
    return b"%PDF-1.4\n" + f"{kind} {order_id} ".encode() + secrets.token_bytes(70_000)


@dataclass
class Builder:
    session: Session
    runtime: Runtime

    def user(self, *, created_at: datetime = T0, consent: bool = True, **kw: object) -> User:
        user = User(email=kw.pop("email", f"{secrets.token_hex(4)}-{EMAIL}"),
                    password_hash="x", role="customer", created_at=created_at,
                    updated_at=created_at, marketing_consent=consent,
                    marketing_consent_at=created_at if consent else None, **kw)
        self.session.add(user)
        self.session.flush()
        customer = Customer(user_id=user.id, first_name=GIVEN, last_name=SURNAME,
                            email=user.email, phone="+33612345678", created_at=created_at,
                            updated_at=created_at)
        customer.addresses.append(Address(kind="billing", line1="3 rue des Lilas",
                                          postcode="75011", city="Paris"))
        self.session.add(customer)
        self.session.flush()
        return user

    def guest(self, *, at: datetime = T0) -> Customer:
        customer = Customer(first_name=GIVEN, last_name=SURNAME, email=EMAIL, created_at=at,
                            updated_at=at)
        self.session.add(customer)
        self.session.flush()
        return customer

    def order(
        self, status: str = "completed", *, at: datetime = T0, user: User | None = None,
        customer: Customer | None = None, kinds: tuple[str, ...] = ("identity", "registration"),
    ) -> Order:
        """Return an order whose last status change (closure for final states) was at `at`."""
        key = self.runtime.keys.generate_data_key()
        if user is not None and customer is None:
            customer = user.customer
        order = Order(
            reference=f"COC-{secrets.token_hex(4).upper()}", status=status, status_changed_at=at,
            created_at=at - 10 * DAY, updated_at=at, vin=VIN, make="Peugeot",
            registration_number="AB-123-CD",
            user_id=user.id if user else None, customer_id=customer.id if customer else None,
            customer_snapshot={"first_name": GIVEN, "last_name": SURNAME, "email": EMAIL,
                               "phone": "+33612345678", "company_name": None},
            billing_address={"line1": "3 rue des Lilas", "postcode": "75011", "city": "Paris",
                             "country": "FR"},
            shipping_address={"line1": "3 rue des Lilas", "postcode": "75011", "city": "Paris",
                              "country": "FR"},
            wrapped_data_key=key.wrapped, data_key_id=key.key_id, marketing_consent=True,
            submitted_at=None if status == "draft" else at - 9 * DAY,
            completed_at=at if status in FINAL else None,
        )
        self.session.add(order)
        self.session.flush()
        self.session.add(OrderTransition(order_id=order.id, from_status=None, to_status="draft",
                                         actor="customer", created_at=order.created_at))
        if status != "draft":
            self.session.add(OrderTransition(order_id=order.id, from_status="draft",
                                             to_status=status, actor="system", created_at=at))
            self.session.add(CheckResult(
                order_id=order.id, position=0, name="name_match", status="pass",
                detail=f"{SURNAME} {GIVEN} matches", detail_fr=f"{SURNAME} {GIVEN} correspond",
                evidence={"items": [{"source": "document", "field": "surname",
                                     "value": SURNAME, "box": [1, 2, 3, 4]}]}))
        for kind in kinds:
            self.document(order, kind, at=order.created_at)
        self.session.flush()
        return order

    def document(self, order: Order, kind: str, *, at: datetime = T0) -> Document:
        data = payload(kind, order.id)
        document = Document(order_id=order.id, kind=kind, status="processed",
                            content_type="application/pdf", size_bytes=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), created_at=at)
        if kind == "identity":
            document.document_type = "id_card"
            document.country = "FRA"
            document.fields = {
                "surname": {"value": SURNAME, "confidence": 0.9},
                "given_names": {"value": GIVEN, "confidence": 0.9},
                "document_number": {"value": DOC_NUMBER, "confidence": 0.9},
                "issuing_country": {"value": "FRA"},
                "expiry_date": {"value": "2031-01-01"},
                "birth_date": {"value": "1980-05-17"},
            }
            document.mrz = {"format": "TD1", "valid": True,
                            "lines": [f"IDFRA{DOC_NUMBER}<<<<<<<<<<<<<<<<", f"{SURNAME}<<{GIVEN}"]}
            document.extraction = {"fields": document.fields, "mrz": document.mrz}
        elif kind == "registration":
            document.document_type = "registration_certificate"
            document.fields = {"vin": {"value": VIN}, "holder_name": {"value": SURNAME}}
        self.session.add(document)
        self.session.flush()
        document.storage_key = f"orders/{order.id}/documents/{document.id}"
        assert order.wrapped_data_key is not None
        self.runtime.store.put(document.storage_key, data,
                               self.runtime.keys.unwrap(order.wrapped_data_key))
        self.session.flush()
        return document

    def reupload(self, document: Document) -> bytes:
        """Store new bytes under the document's key (an older version stays behind on S3)."""
        order = self.session.get(Order, document.order_id)
        assert order is not None and order.wrapped_data_key and document.storage_key
        data = payload(document.kind, order.id)
        self.runtime.store.put(document.storage_key, data,
                               self.runtime.keys.unwrap(order.wrapped_data_key))
        document.size_bytes = len(data)
        document.sha256 = hashlib.sha256(data).hexdigest()
        self.session.flush()
        return data

    def held_data_keys(self) -> list[bytes]:
        """Return every data key the service can still recover (each order's wrapped key)."""
        wrapped = self.session.scalars(select(Order.wrapped_data_key)
                                       .where(Order.wrapped_data_key.is_not(None)))
        return [self.runtime.keys.unwrap(w) for w in wrapped if w is not None]

    def transition(self, order: Order, to_status: str, at: datetime) -> None:
        self.session.add(OrderTransition(order_id=order.id, from_status=order.status,
                                         to_status=to_status, actor="system", created_at=at))
        order.status = to_status
        order.status_changed_at = at
        if to_status in FINAL:
            order.completed_at = at
        self.session.flush()

    def token(self, *, user: User | None = None, order: Order | None = None) -> ApiToken:
        token = ApiToken(token_hash=secrets.token_hex(32), user_id=user.id if user else None,
                         order_id=order.id if order else None, created_at=T0)
        self.session.add(token)
        self.session.flush()
        return token

    def readable(self, document: Document) -> bool:
        """Whether the document's object exists and decrypts with its order's current key."""
        order = self.session.get(Order, document.order_id)
        if order is None or order.wrapped_data_key is None or not document.storage_key:
            return False
        if not self.runtime.store.exists(document.storage_key):
            return False
        data = self.runtime.store.read_bytes(document.storage_key,
                                             self.runtime.keys.unwrap(order.wrapped_data_key))
        return hashlib.sha256(data).hexdigest() == document.sha256
