from __future__ import annotations

import pytest
from check_builders import context, order

from coc_service.checks.company import siren_valid, vat_valid
from coc_service.checks.contact import contact_valid, email_ok, phone_ok

SIREN = "732829320"
VAT = "FR44732829320"  # key (12 + 3 × (732829320 mod 97)) mod 97 = 44


def _company(**changes: object):  # type: ignore[no-untyped-def]
    values = {"company_name": "Transports Dupont", "siren": SIREN, "vat_number": VAT, **changes}
    return context(order(**values))


def test_private_customer_skips_siren_and_vat() -> None:
    assert siren_valid(context()).status == "skip"
    assert vat_valid(context()).status == "skip"


def test_valid_siren_siret_and_spacing() -> None:
    assert siren_valid(_company()).status == "pass"
    assert siren_valid(_company(siren="732 829 320")).status == "pass"
    assert siren_valid(_company(siren="73282932000074")).status == "pass"  # a SIRET


def test_wrong_check_digit_fails() -> None:
    r = siren_valid(_company(siren="732829321"))
    assert (r.status, r.reason) == ("fail", "siren_invalid")
    assert siren_valid(_company(siren="12345")).reason == "siren_invalid"


def test_company_without_siren() -> None:
    assert siren_valid(_company(siren=None, vat_number=None)).reason == "siren_missing"
    assert siren_valid(_company(siren=None, vat_number="DE136695976")).reason == "foreign_company"
    r = siren_valid(_company(siren=None))  # the French VAT number holds the SIREN
    assert (r.status, r.reason) == ("pass", "ok_from_vat")
    assert "732 829 320" in r.detail
    assert siren_valid(_company(siren=None, vat_number="FR45732829320")).reason == "siren_missing"


def test_french_vat_consistent_with_siren() -> None:
    assert vat_valid(_company()).status == "pass"
    assert vat_valid(_company(vat_number="fr 44 732 829 320")).status == "pass"


def test_french_vat_with_a_wrong_key_fails() -> None:
    r = vat_valid(_company(vat_number="FR45732829320"))
    assert (r.status, r.reason) == ("fail", "vat_invalid")


def test_french_vat_of_another_siren_fails() -> None:
    r = vat_valid(_company(vat_number="FR40303265045"))
    assert (r.status, r.reason) == ("fail", "vat_siren_mismatch")
    assert "303265045" in r.detail


def test_other_eu_vat_numbers() -> None:
    assert vat_valid(_company(siren=None, vat_number="DE136695976")).reason == "ok_foreign"
    assert vat_valid(_company(siren=None, vat_number="DE136695977")).status == "fail"
    assert vat_valid(_company(siren=None, vat_number="XX123")).status == "fail"


def test_vat_without_siren_names_the_siren_it_holds() -> None:
    r = vat_valid(_company(siren=None))
    assert r.status == "pass" and SIREN in r.detail


@pytest.mark.parametrize("address", ["jean@example.fr", "j.dupont+coc@sub.example.com"])
def test_good_emails(address: str) -> None:
    assert email_ok(address)


@pytest.mark.parametrize("address", ["jean", "jean@", "@example.fr", "jean@@example.fr",
                                     "jean@example", "jean dupont@example.fr"])
def test_bad_emails(address: str) -> None:
    assert not email_ok(address)


def test_phones() -> None:
    assert phone_ok("+33612345678")
    assert phone_ok("06 12 34 56 78")  # French by default
    assert phone_ok("+32 470 12 34 56")
    assert not phone_ok("12")
    assert not phone_ok("not a number")


def test_contact_check() -> None:
    assert contact_valid(context()).status == "pass"
    r = contact_valid(context(order(email="jean@example")))
    assert (r.status, r.reason) == ("fail", "email_invalid")
    r = contact_valid(context(order(phone="0012")))
    assert (r.status, r.reason) == ("warn", "phone_invalid")
    assert contact_valid(context(order(phone=None))).status == "pass"
