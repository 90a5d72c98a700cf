"""The customer's data export: a ZIP of JSON and the decrypted documents."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from privacy_builders import BOTH_STORES, DOC_NUMBER, EMAIL, SURNAME, T0, Builder
from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db import AuditEvent, PrivacyRequest
from coc_service.privacy.export import export_personal_data
from coc_service.runtime import Runtime

pytestmark = [pytest.mark.db, BOTH_STORES]


class Unseekable(io.RawIOBase):
    """An output stream that only writes, like an HTTP response body."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        return len(data)


def test_export_holds_the_data_and_the_documents(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    user = build.user()
    order = build.order("needs_review", at=T0, user=user)
    erased = build.order("completed", at=T0, user=user, kinds=("identity",))
    erased.documents[0].erased_at = T0
    target = Unseekable()

    summary = export_personal_data(session, runtime, user, target)  # type: ignore[arg-type]

    assert (summary.orders, summary.documents, summary.missing_documents) == (2, 2, 0)
    archive = zipfile.ZipFile(io.BytesIO(bytes(target.buffer)))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == user.email and data["account"]["id"] == user.id
    assert data["profile"]["last_name"] == SURNAME
    assert data["addresses"][0]["city"] == "Paris"
    assert data["consents"]["marketing"] is True
    exported = {o["reference"]: o for o in data["orders"]}
    assert set(exported) == {order.reference, erased.reference}
    mine = exported[order.reference]
    assert mine["customer"]["email"] == EMAIL
    assert [t["to"] for t in mine["timeline"]] == ["draft", "needs_review"]
    assert mine["timeline"][0]["by"] == "you" and mine["timeline"][1]["by"] == "system"
    assert mine["checks"][0]["name"] == "name_match"
    identity = next(d for d in mine["documents"] if d["kind"] == "identity")
    assert identity["fields"]["document_number"]["value"] == DOC_NUMBER
    for document in order.documents:
        entry = next(d for d in mine["documents"] if d["id"] == document.id)
        content = archive.read(entry["file"])
        assert hashlib.sha256(content).hexdigest() == document.sha256
        assert content.startswith(b"%PDF")
    assert exported[erased.reference]["documents"][0]["file"] is None
    assert "README.txt" in archive.namelist()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.exported"))
    assert event.one().details == {"orders": 2, "documents": 2}
    assert session.scalars(select(PrivacyRequest.kind)).all() == ["export"]


def test_export_leaves_out_who_the_staff_were(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    user = build.user()
    order = build.order("needs_review", at=T0, user=user, kinds=())
    order.transitions[-1].actor = "0b6a2f4e-staff-user-id"
    target = io.BytesIO()
    export_personal_data(session, runtime, user, target)
    data = json.loads(zipfile.ZipFile(target).read("data.json"))
    assert data["orders"][0]["timeline"][-1]["by"] == "staff"
    assert "0b6a2f4e-staff-user-id" not in json.dumps(data)
