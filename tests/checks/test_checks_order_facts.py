from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from coc_service.checks.order_facts import OrderError, parse_order


def _order(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customer": {"first_name": "Jean", "last_name": "Dupont", "email": "jean@example.fr",
                     "phone": "+33612345678", "company_name": None, "siren": None,
                     "vat_number": None},
        "vehicle": {"vin": "VF3LBBHZHKS123456", "first_registration_date": "2018-03-15",
                    "make": "Peugeot"},
        "submitted_at": "2026-11-22",
    }
    for path, value in changes.items():
        section, _, key = path.partition("__")
        if key:
            if value is ...:
                del data[section][key]
            else:
                data[section][key] = value
        elif value is ...:
            del data[section]
        else:
            data[section] = value
    return data


def test_the_contract_example_parses() -> None:
    facts = parse_order(_order())
    assert facts.customer.last_name == "Dupont"
    assert facts.vehicle.first_registration_date == date(2018, 3, 15)
    assert facts.submitted_at == date(2026, 11, 22)
    assert facts.customer.company_name is None
    assert not facts.is_company


def test_a_timestamp_for_submitted_at_gives_its_day() -> None:
    assert parse_order(_order(submitted_at="2026-11-22T23:10:00Z")).submitted_at == date(
        2026, 11, 22)


def test_company_order() -> None:
    facts = parse_order(_order(customer__company_name="Transports Dupont",
                               customer__siren="732829320"))
    assert facts.is_company


def test_every_problem_is_listed_without_values() -> None:
    with pytest.raises(OrderError) as caught:
        parse_order(_order(customer__email=..., vehicle__first_registration_date="15/03/2018",
                           vehicle__vin=12345, submitted_at=...))
    fields = {path for path, _ in caught.value.problems}
    assert fields == {"customer.email", "vehicle.first_registration_date", "vehicle.vin",
                      "submitted_at"}
    assert "15/03/2018" not in str(caught.value)
    assert caught.value.to_json()["code"] == "invalid_order"


def test_missing_sections_and_non_objects() -> None:
    with pytest.raises(OrderError) as caught:
        parse_order(_order(vehicle=...))
    assert ("vehicle", "missing") in caught.value.problems
    with pytest.raises(OrderError):
        parse_order(["not", "an", "object"])
    with pytest.raises(OrderError) as caught:
        parse_order(_order(customer="Jean"))
    assert ("customer", "must be an object") in caught.value.problems


def test_blank_required_text_is_missing() -> None:
    with pytest.raises(OrderError) as caught:
        parse_order(_order(customer__last_name="   "))
    assert caught.value.problems == [("customer.last_name", "missing")]
