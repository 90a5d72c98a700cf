"""Hand-built documents and orders for the pure check tests (no OCR); imported by the
tests of this folder (pytest puts the folder on sys.path)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from coc_service.checks.context import CheckContext
from coc_service.checks.order_facts import Customer, OrderFacts, Vehicle
from coc_service.checks.settings import CheckSettings
from coc_service.documents.types import ExtractionResult, Field, MrzReading

VIN = "VF3LBBHZHKS123456"


def _fields(values: dict[str, Any], confidence: float) -> dict[str, Field]:
    out = {}
    for i, (name, value) in enumerate(values.items()):
        if value is None:
            continue
        if isinstance(value, Field):
            out[name] = value
        else:
            out[name] = Field(value=value, confidence=confidence, page=1, box=(10, 20 + 40 * i,
                                                                               300, 30))
    return out


def registration(*, file: str = "carte-grise.jpg", status: str = "ok", confidence: float = 0.95,
                 **values: Any) -> ExtractionResult:
    base: dict[str, Any] = {
        "registration_number": "AB-123-CD", "first_registration_date": "2018-03-15",
        "holder_name": "DUPONT JEAN PIERRE", "make": "PEUGEOT", "commercial_name": "308",
        "vin": VIN, "type_approval_number": "e2*2007/46*0534*12",
        "certificate_date": "2020-06-01",
    }
    base.update(values)
    return ExtractionResult(file=file, status=status,  # type: ignore[arg-type]
                            document_type="registration_certificate" if status == "ok"
                            else "unknown", country="FRA", pages=1,
                            fields=_fields(base, confidence) if status == "ok" else {})


def identity(*, file: str = "cni.jpg", doc_type: str = "id_card", mrz_format: str = "TD1",
             mrz_valid: bool = True, failed: tuple[str, ...] = (), with_mrz: bool = True,
             confidence: float = 0.97, **values: Any) -> ExtractionResult:
    base: dict[str, Any] = {
        "document_type_code": "ID", "issuing_country": "FRA", "surname": "DUPONT",
        "given_names": "JEAN PIERRE", "document_number": "X4RTBPFW4", "birth_date": "1980-05-17",
        "expiry_date": "2031-09-01", "sex": "M", "nationality": "FRA",
    }
    base.update(values)
    mrz = MrzReading(format=mrz_format, lines=["IDFRA<<<", "<<<"],  # type: ignore[arg-type]
                     valid=mrz_valid, failed_checks=list(failed)) if with_mrz else None
    return ExtractionResult(file=file, status="ok", document_type=doc_type,  # type: ignore[arg-type]
                            country="FRA", pages=1, fields=_fields(base, confidence), mrz=mrz)


def order(**changes: Any) -> OrderFacts:
    customer = Customer(first_name="Jean", last_name="Dupont", email="jean@example.fr",
                        phone="+33612345678")
    vehicle = Vehicle(vin=VIN, first_registration_date=date(2018, 3, 15), make="Peugeot")
    facts = OrderFacts(customer=customer, vehicle=vehicle, submitted_at=date(2026, 11, 22))
    customer_changes = {k: v for k, v in changes.items() if k in Customer.__dataclass_fields__}
    vehicle_changes = {k: v for k, v in changes.items() if k in Vehicle.__dataclass_fields__}
    facts = replace(facts, customer=replace(customer, **customer_changes),
                    vehicle=replace(vehicle, **vehicle_changes))
    if "submitted_at" in changes:
        facts = replace(facts, submitted_at=changes["submitted_at"])
    return facts


def context(order_facts: OrderFacts | None = None, documents: list[ExtractionResult] | None = None,
            settings: CheckSettings | None = None, duplicates: Any = None) -> CheckContext:
    return CheckContext(order=order_facts or order(),
                        documents=documents if documents is not None else [identity(),
                                                                           registration()],
                        settings=settings or CheckSettings(), duplicates=duplicates)
