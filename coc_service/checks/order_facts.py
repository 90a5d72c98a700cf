"""The facts of an order that the checks compare with the documents, parsed from the
ORDER.json shape of CONTRACTS.md (`coc-service check-order`, `POST /api/v1/orders`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class OrderError(ValueError):
    """ORDER.json is missing a field or holds one of the wrong kind.

    `problems` lists (field path, what is wrong); values are never repeated in the message, since
    they are personal data.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {what}" for path, what in problems))

    def to_json(self) -> dict[str, Any]:
        return {
            "code": "invalid_order",
            "message": str(self),
            "problems": [{"field": path, "problem": what} for path, what in self.problems],
        }


@dataclass(frozen=True)
class Customer:
    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    company_name: str | None = None
    siren: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True)
class Vehicle:
    vin: str
    first_registration_date: date
    make: str


@dataclass(frozen=True)
class OrderFacts:
    customer: Customer
    vehicle: Vehicle
    submitted_at: date

    @property
    def is_company(self) -> bool:
        """Return True for an order placed by a company (a company name or a SIREN given)."""
        return bool(self.customer.company_name or self.customer.siren)



class _Reader:
    """Collects every problem of an ORDER.json instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def section(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, Mapping):
            self.problems.append((key, "missing" if value is None else "must be an object"))
            return {}
        return value

    def text(self, data: Mapping[str, Any], path: str, *, required: bool) -> str | None:
        value = data.get(path.rsplit(".", 1)[-1])
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.append((path, "missing"))
            return None
        if not isinstance(value, str):
            self.problems.append((path, "must be a string"))
            return None
        return value.strip()

    def day(self, data: Mapping[str, Any], path: str) -> date | None:
        value = self.text(data, path, required=True)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
        try:  # a timestamp: the day it names is what the checks need
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            self.problems.append((path, "must be an ISO date (YYYY-MM-DD)"))
            return None


def parse_order(data: Any) -> OrderFacts:
    """Return the OrderFacts of an ORDER.json object; raise OrderError listing every problem.

    Required: customer.first_name, last_name, email; vehicle.vin, first_registration_date,
    make; submitted_at. A malformed e-mail or VIN is not a parse error: the checks report it.
    """
    if not isinstance(data, Mapping):
        raise OrderError([("$", "ORDER.json must hold a JSON object")])
    r = _Reader()
    c = r.section(data, "customer")
    v = r.section(data, "vehicle")
    first = r.text(c, "customer.first_name", required=True)
    last = r.text(c, "customer.last_name", required=True)
    email = r.text(c, "customer.email", required=True)
    phone = r.text(c, "customer.phone", required=False)
    company = r.text(c, "customer.company_name", required=False)
    siren = r.text(c, "customer.siren", required=False)
    vat = r.text(c, "customer.vat_number", required=False)
    vin = r.text(v, "vehicle.vin", required=True)
    first_registration = r.day(v, "vehicle.first_registration_date")
    make = r.text(v, "vehicle.make", required=True)
    submitted = r.day(data, "submitted_at")
    if r.problems:
        raise OrderError(r.problems)
    assert first and last and email and vin and make and first_registration and submitted
    return OrderFacts(
        customer=Customer(first_name=first, last_name=last, email=email, phone=phone,
                          company_name=company, siren=siren, vat_number=vat),
        vehicle=Vehicle(vin=vin, first_registration_date=first_registration, make=make),
        submitted_at=submitted,
    )
