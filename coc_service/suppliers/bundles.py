"""Supplier bundles: the ZIP a COC supplier receives for one order, stored encrypted.

A bundle holds `manifest.json` (order, vehicle, recipient, and each file's name, size and
SHA-256), a one-page summary PDF and the order's current identity and registration scans,
decrypted from the document store. It is itself stored as a Document of kind "bundle" under the
order's data key, so erasing the order's key erases the bundle with the scans.

The bundle row's id is derived from the order's id: building it again (a retried job, a job
killed between writing the object and committing) overwrites the same object instead of
leaving an orphan copy of the scans behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from coc_service.db.base import utcnow
from coc_service.db.orders import Document, Order
from coc_service.db.suppliers import Supplier
from coc_service.orders.processing import SCAN_KINDS
from coc_service.storage.errors import IntegrityError, ObjectNotFound
from coc_service.suppliers.errors import BundleIncomplete, BundleIntegrityError
from coc_service.suppliers.summary import SummaryLine, summary_pdf

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

BUNDLE_FORMAT = "coc-bundle/1"
BUNDLE_KIND = "bundle"
MANIFEST_NAME = "manifest.json"
SUMMARY_NAME = "summary.pdf"
ZIP_CONTENT_TYPE = "application/zip"
# file names inside the ZIP: plain ASCII, no personal data
SCAN_FILE_NAMES = {"identity": "identity-document", "registration": "registration-certificate"}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
              "image/tiff": "tiff", "image/webp": "webp", "image/heic": "heic"}
_BUNDLE_IDS = uuid.UUID("5b0c7d1e-3f64-4c1a-9d2e-6a8f0b1c2d3e")


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle, in clear."""

    name: str
    kind: str  # identity | registration | summary
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def manifest_entry(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "content_type": self.content_type,
                "size_bytes": len(self.data), "sha256": self.sha256}


@dataclass(frozen=True)
class Bundle:
    """A built bundle: its manifest and the ZIP's bytes."""

    manifest: dict[str, Any]
    data: bytes


def bundle_id(order_id: str) -> str:
    """Return the id the bundle document of `order_id` always has."""
    return str(uuid.uuid5(_BUNDLE_IDS, f"{order_id}:bundle"))


def current_bundle(order: Order) -> Document | None:
    """Return the order's bundle document if one is stored and not erased."""
    return next((d for d in order.current_documents()
                 if d.kind == BUNDLE_KIND and d.storage_key is not None), None)


def read_scans(runtime: Runtime, order: Order) -> list[BundleFile]:
    """Return the order's current scans decrypted, each checked against its recorded SHA-256.

    Raises BundleIncomplete if a scan is missing and BundleIntegrityError if one does not match;
    an unreachable store raises ServiceUnavailable (retried by the job).
    """
    current = {d.kind: d for d in order.current_documents() if d.kind in SCAN_KINDS}
    missing = [k for k in SCAN_KINDS if k not in current or current[k].storage_key is None]
    if missing or order.wrapped_data_key is None:
        raise BundleIncomplete(f"order {order.reference}: no stored {', '.join(missing) or 'key'}")
    data_key = runtime.keys.unwrap(order.wrapped_data_key)
    files = []
    for kind in SCAN_KINDS:
        document = current[kind]
        assert document.storage_key is not None
        try:
            data = runtime.store.read_bytes(document.storage_key, data_key)
        except ObjectNotFound as exc:
            raise BundleIncomplete(f"order {order.reference}: the {kind} scan is not in the "
                                   "store") from exc
        except IntegrityError as exc:
            raise BundleIntegrityError(f"order {order.reference}: the stored {kind} scan does "
                                       "not authenticate") from exc
        content_type = document.content_type or "application/octet-stream"
        file = BundleFile(f"{SCAN_FILE_NAMES[kind]}.{EXTENSIONS.get(content_type, 'bin')}",
                          kind, content_type, data)
        if document.sha256 is not None and file.sha256 != document.sha256:
            raise BundleIntegrityError(f"order {order.reference}: the {kind} scan differs from "
                                       "the one uploaded")
        files.append(file)
    return files


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _summary(order: Order, supplier: Supplier, scans: list[BundleFile],
             created_at: datetime) -> BundleFile:
    lines = [
        SummaryLine("Commande / Order:", order.reference),
        SummaryLine("Destinataire / Recipient:", f"{supplier.name} ({supplier.code})"),
        SummaryLine("Transmise le / Sent on:", created_at.strftime("%Y-%m-%d %H:%M UTC")),
        SummaryLine("Marque / Make:", order.make),
        SummaryLine("VIN:", order.vin),
        SummaryLine("Première immatriculation / First registration:",
                    _iso(order.first_registration_date) or "-"),
        SummaryLine("Immatriculation / Registration number:", order.registration_number or "-"),
        *(SummaryLine(f"{name}:", str(value)) for name, value in
          sorted((order.vehicle_extra or {}).items())),
        SummaryLine("", ""),
        SummaryLine("Fichiers / Files (SHA-256):", ""),
        *(SummaryLine("", f"{f.name}  {f.sha256}", small=True) for f in scans),
    ]
    data = summary_pdf(f"Dossier COC {order.reference}", lines,
                       subject=f"Certificate of conformity request {order.reference}")
    return BundleFile(SUMMARY_NAME, "summary", "application/pdf", data)


def bundle_manifest(order: Order, supplier: Supplier, files: list[BundleFile],
                    created_at: datetime) -> dict[str, Any]:
    """Return the manifest of a bundle: who it is for, the vehicle, and each file's hash."""
    return {
        "format": BUNDLE_FORMAT,
        "created_at": created_at.isoformat(),
        "order": {"id": order.id, "reference": order.reference,
                  "submitted_at": _iso(order.submitted_at),
                  "delivery_option": order.delivery_option},
        "vehicle": {"vin": order.vin, "make": order.make,
                    "first_registration_date": _iso(order.first_registration_date),
                    "registration_number": order.registration_number,
                    "extra": dict(order.vehicle_extra or {})},
        "recipient": {"supplier_id": supplier.id, "code": supplier.code, "name": supplier.name},
        "files": [f.manifest_entry() for f in files],
    }


def build_bundle(order: Order, supplier: Supplier, scans: list[BundleFile], *,
                 created_at: datetime | None = None) -> Bundle:
    """Return the bundle ZIP of `order` for `supplier` with the given decrypted scans."""
    created_at = created_at or utcnow()
    files = [_summary(order, supplier, scans, created_at), *scans]
    manifest = bundle_manifest(order, supplier, files, created_at)
    stamp = created_at.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo(MANIFEST_NAME, date_time=stamp)
        archive.writestr(entry, json.dumps(manifest, indent=2, ensure_ascii=False),
                         compress_type=zipfile.ZIP_DEFLATED)
        for file in files:
            # scans are compressed images or PDFs already: stored as they are
            archive.writestr(zipfile.ZipInfo(file.name, date_time=stamp), file.data,
                             compress_type=zipfile.ZIP_STORED)
    return Bundle(manifest=manifest, data=buffer.getvalue())


def read_bundle(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Return (manifest, {file name: bytes}) of a bundle ZIP."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read(MANIFEST_NAME))
        files = {name: archive.read(name) for name in archive.namelist()
                 if name != MANIFEST_NAME}
    return manifest, files


def store_bundle(session: Session, runtime: Runtime, order: Order, bundle: Bundle) -> Document:
    """Return the bundle's Document row after storing the ZIP encrypted under the order's key."""
    if order.wrapped_data_key is None:
        raise BundleIncomplete(f"order {order.reference}: no data key")
    data_key = runtime.keys.unwrap(order.wrapped_data_key)
    document_id = bundle_id(order.id)
    document = session.get(Document, document_id)
    if document is None:
        document = Document(id=document_id, order_id=order.id, kind=BUNDLE_KIND)
        session.add(document)
        order.documents.append(document)
    document.storage_key = f"orders/{order.id}/documents/{document_id}"
    stored = runtime.store.put(document.storage_key, bundle.data, data_key,
                               content_type=ZIP_CONTENT_TYPE)
    now = utcnow()
    document.status = "processed"
    document.content_type = ZIP_CONTENT_TYPE
    document.size_bytes = stored.size_plain
    document.sha256 = stored.sha256_plain
    document.created_at = now
    document.processed_at = now
    document.erased_at = None
    session.flush()
    return document
