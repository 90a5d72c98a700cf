"""The supplier bundle: a ZIP whose manifest's hashes match the decrypted scans."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from coc_service.db.orders import Document, Order
from coc_service.db.suppliers import CatalogueEntry, Supplier
from coc_service.suppliers.bundles import (
    BUNDLE_FORMAT,
    bundle_id,
    current_bundle,
    read_bundle,
)
from tests.suppliers.conftest import Approved
from workers.suppliers import forward_order

pytestmark = pytest.mark.db


def _stored_bundle(runtime: Any, order_id: str) -> tuple[Document, bytes]:
    """Return the bundle row and the ZIP decrypted from the document store."""
    session = runtime.db.session()
    order = session.get(Order, order_id)
    document = current_bundle(order)
    assert document is not None and document.storage_key is not None
    data_key = runtime.keys.unwrap(order.wrapped_data_key)
    return document, runtime.store.read_bytes(document.storage_key, data_key)


def _scan_bytes(runtime: Any, order_id: str) -> dict[str, bytes]:
    session = runtime.db.session()
    order = session.get(Order, order_id)
    data_key = runtime.keys.unwrap(order.wrapped_data_key)
    return {d.kind: runtime.store.read_bytes(d.storage_key, data_key)
            for d in order.current_documents() if d.kind in ("identity", "registration")}


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_manifest_hashes_match_the_decrypted_files(approved: Approved, shop: Any) -> None:
    assert forward_order(approved.order_id) == "forwarded"
    document, data = _stored_bundle(shop, approved.order_id)
    assert document.id == bundle_id(approved.order_id) and document.kind == "bundle"
    # the stored row describes the clear ZIP
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size_bytes == len(data)

    manifest, files = read_bundle(data)
    assert manifest["format"] == BUNDLE_FORMAT
    assert manifest["order"]["reference"] == approved.reference
    assert manifest["vehicle"]["vin"] == "VF3LBBHZHKS123456"
    assert manifest["vehicle"]["make"] == "Peugeot"
    assert manifest["recipient"]["code"] == "euro-coc"  # the catalogue's supplier of Peugeot
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(files)
    assert {f["kind"] for f in manifest["files"]} == {"summary", "identity", "registration"}
    for name, payload in files.items():
        assert listed[name]["sha256"] == hashlib.sha256(payload).hexdigest(), name
        assert listed[name]["size_bytes"] == len(payload)
    # the scans in the bundle are the customer's uploads, byte for byte
    originals = _scan_bytes(shop, approved.order_id)
    by_kind = {f["kind"]: files[f["name"]] for f in manifest["files"]}
    assert by_kind["identity"] == originals["identity"]
    assert by_kind["registration"] == originals["registration"]
    assert by_kind["identity"][:3] == b"\xff\xd8\xff"
    # the summary is a PDF that says which order and which vehicle
    summary = _pdf_text(by_kind["summary"])
    assert approved.reference in summary and "VF3LBBHZHKS123456" in summary
    assert "Euro COC Services" in summary


def test_the_bundle_is_stored_encrypted(approved: Approved, shop: Any) -> None:
    forward_order(approved.order_id)
    document, _data = _stored_bundle(shop, approved.order_id)
    root = shop.settings.resolved_storage_root
    stored = [p for p in root.rglob("*") if p.is_file() and document.id in str(p)]
    assert stored, "the bundle object is not in the local store"
    raw = stored[0].read_bytes()
    assert b"manifest.json" not in raw and raw[:2] != b"PK"
    assert hashlib.sha256(raw).hexdigest() != document.sha256


def test_an_altered_scan_is_not_forwarded(approved: Approved, shop: Any) -> None:
    with shop.db.transaction() as session:
        order = session.get(Order, approved.order_id)
        identity = next(d for d in order.current_documents() if d.kind == "identity")
        identity.sha256 = "0" * 64  # the stored file no longer matches what was uploaded
    assert forward_order(approved.order_id) == "failed"
    session = shop.db.session()
    order = session.get(Order, approved.order_id)
    assert order.status == "auto_approved"
    assert order.processing_error.startswith("forwarding failed: bundle_integrity")
    assert current_bundle(order) is None
    assert [t.to_status for t in order.transitions][-1] == "auto_approved"


def test_a_make_without_supplier_is_recorded_for_staff(approved: Approved, shop: Any) -> None:
    with shop.db.transaction() as session:
        order = session.get(Order, approved.order_id)
        order.supplier_id = None
        entry = session.scalars(select(CatalogueEntry).where(
            CatalogueEntry.make == "Peugeot")).one()
        entry.active = False
    assert forward_order(approved.order_id) == "failed"
    order = shop.db.session().get(Order, approved.order_id)
    assert order.status == "auto_approved"
    assert order.processing_error == (
        "forwarding failed: no_supplier: order "
        f"{approved.reference}: no active supplier serves Peugeot")


def test_the_supplier_chosen_at_order_time_keeps_the_order(approved: Approved,
                                                            shop: Any) -> None:
    with shop.db.transaction() as session:
        nordauto = session.scalars(select(Supplier).where(Supplier.code == "nordauto")).one()
        session.get(Order, approved.order_id).supplier_id = nordauto.id
    forward_order(approved.order_id)
    _document, data = _stored_bundle(shop, approved.order_id)
    manifest, _files = read_bundle(data)
    assert manifest["recipient"]["code"] == "nordauto"


def test_summary_pdf_keeps_french_text() -> None:
    from coc_service.suppliers.summary import SummaryLine, summary_pdf

    data = summary_pdf("Dossier COC-TEST", [SummaryLine("Marque :", "Citroën (C3)"),
                                            SummaryLine("", "a\\b")])
    text = _pdf_text(data)
    assert "Marque : Citroën (C3)" in text  # the label, a space, the value
    assert "a\\b" in text and "Dossier COC-TEST" in text
    assert io.BytesIO(data).read(5) == b"%PDF-"
