from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coc_service.orders.input import parse_order_input
from coc_service.orders.messages import OrderValidationError
from tests.orders.order_samples import ORDER, order_data

TODAY = date(2026, 11, 22)


def _errors(data: object, **kw: object) -> dict[str, str]:
    with pytest.raises(OrderValidationError) as info:
        parse_order_input(data, today=TODAY, **kw)  # type: ignore[arg-type]
    return info.value.codes()


def test_contract_example_parses_and_normalises() -> None:
    order = parse_order_input(ORDER, today=TODAY)
    assert order.vehicle.vin == "VF3LBBHZHKS123456"
    assert order.vehicle.make == "Peugeot"
    assert order.vehicle.first_registration_date == date(2018, 3, 15)
    assert order.customer.kind == "individual"
    assert order.customer.phone == "+33612345678"
    assert order.billing_address.postcode == "75002"
    assert order.delivery_option == "email"
    assert order.marketing_consent is False
    assert order.locale == "fr"


def test_every_bad_field_is_named_with_a_code_and_two_languages() -> None:
    data = order_data(vehicle__vin="VF3LBBHZHKS12345", customer__email="jean@",
                      customer__phone="12", billing_address__postcode="7500",
                      billing_address__country="France",
                      vehicle__first_registration_date="2099-01-01")
    with pytest.raises(OrderValidationError) as info:
        parse_order_input(data, today=TODAY)
    err = info.value
    assert err.codes() == {
        "vehicle.vin": "vin_format", "customer.email": "email", "customer.phone": "phone",
        "billing_address.country": "country", "vehicle.first_registration_date": "date_future",
        "billing_address.postcode": "postcode_fr",
    }
    assert err.messages("fr")["vehicle.vin"].startswith("Un VIN")
    assert err.errors["vehicle.vin"].startswith("A VIN")
    # values typed are never echoed (personal data)
    assert "jean@" not in str(err.messages("en"))


def test_missing_sections_and_fields() -> None:
    codes = _errors({"customer": {"first_name": "A"}})
    assert codes["vehicle"] == "required"
    assert codes["billing_address"] == "required"
    assert codes["customer.last_name"] == "required"
    assert codes["customer.email"] == "required"
    assert _errors([1, 2]) == {"$": "invalid_body"}
    assert _errors(order_data(customer="x"))["customer"] == "not_an_object"
    assert _errors(order_data(customer__last_name=12))["customer.last_name"] == "not_a_string"


def test_vin_is_normalised_and_wmi_must_match_the_make() -> None:
    order = parse_order_input(order_data(vehicle__vin="vf3-lbb hzh ks12345 6"), today=TODAY)
    assert order.vehicle.vin == "VF3LBBHZHKS123456"
    codes = _errors(order_data(vehicle__make="Renault"))
    assert codes == {"vehicle.make": "vin_make_mismatch"}
    # a DS may carry Citroën's WMI
    ok = parse_order_input(order_data(vehicle__vin="VF7SAHMZ6HW123456", vehicle__make="DS"),
                           today=TODAY)
    assert ok.vehicle.make == "DS"


def test_first_registration_bounds() -> None:
    assert _errors(order_data(vehicle__first_registration_date="1949-12-31")) == {
        "vehicle.first_registration_date": "date_too_old"}
    assert _errors(order_data(vehicle__first_registration_date="15/03/2018")) == {
        "vehicle.first_registration_date": "date_format"}


@pytest.mark.parametrize(("typed", "stored"), [
    ("ab-123-cd", "AB-123-CD"), ("AB123CD", "AB-123-CD"), ("1234 AB 56", "1234 AB 56"),
    ("12 ABC 2A", "12 ABC 2A"), ("567-XY-974", "567 XY 974"),
])
def test_french_plates(typed: str, stored: str) -> None:
    order = parse_order_input(order_data(vehicle__registration_number=typed), today=TODAY)
    assert order.vehicle.registration_number == stored


def test_bad_and_foreign_plates() -> None:
    assert _errors(order_data(vehicle__registration_number="AI-123-CD")) == {
        "vehicle.registration_number": "registration_number"}
    order = parse_order_input(order_data(vehicle__registration_number="B-MW 1234",
                                         vehicle__registration_country="DE"), today=TODAY)
    assert order.vehicle.registration_number == "B-MW 1234"
    assert order.vehicle.registration_country == "DE"


def test_company_needs_valid_siren_and_matching_vat() -> None:
    company = order_data(customer__kind="company", customer__company_name="Garage Martin SARL",
                         customer__siren="303 265 045", customer__vat_number="FR 40 303265045")
    order = parse_order_input(company, today=TODAY)
    assert order.customer.is_company
    assert (order.customer.siren, order.customer.vat_number) == ("303265045", "FR40303265045")
    bad = order_data(customer__kind="company", customer__siren="303265046")
    codes = _errors(bad)
    assert codes == {"customer.company_name": "required", "customer.siren": "siren"}
    other = order_data(customer__company_name="X", customer__siren="732829320",
                       customer__vat_number="FR40303265045")
    assert _errors(other) == {"customer.vat_number": "vat_siren_mismatch"}


def test_international_phone_and_foreign_address() -> None:
    data = order_data(customer__phone="+49 30 901820", billing_address__country="de",
                      billing_address__postcode="10117")
    order = parse_order_input(data, today=TODAY)
    assert order.customer.phone == "+4930901820"
    assert order.billing_address.country == "DE"


def test_shipping_same_as_billing_and_options() -> None:
    data = order_data(shipping_address=None, delivery_option="express", marketing_consent="on",
                      locale="en")
    order = parse_order_input(data, today=TODAY)
    assert order.shipping_same_as_billing and order.shipping_address == order.billing_address
    assert order.delivery.price_cents > 0 and order.marketing_consent and order.locale == "en"
    assert _errors(order_data(delivery_option="pigeon")) == {"delivery_option": "choice"}
    separate = order_data(shipping_same_as_billing=False, shipping_address={"line1": "x"})
    codes = _errors(separate)
    assert codes["shipping_address.city"] == "required"


def test_pages_require_terms() -> None:
    assert _errors(ORDER, require_terms=True) == {"terms_accepted": "terms"}
    order = parse_order_input(order_data(terms_accepted=True), require_terms=True, today=TODAY)
    assert order.terms_accepted


def test_control_characters_are_refused() -> None:
    assert _errors(order_data(customer__first_name="Je\x00an")) == {
        "customer.first_name": "invalid_characters"}
    assert _errors(order_data(billing_address__city="Paris\x07")) == {
        "billing_address.city": "invalid_characters"}


_FIELDS = [("customer", k) for k in ("first_name", "last_name", "email", "phone", "company_name",
                                     "siren", "vat_number", "kind")] + [
    ("vehicle", k) for k in ("vin", "make", "first_registration_date", "registration_number",
                             "registration_country")] + [
    ("billing_address", k) for k in ("line1", "line2", "postcode", "city", "country")]
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=5)


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(st.sampled_from(_FIELDS), st.text() | _JSON, max_size=4),
       top=st.dictionaries(st.sampled_from(["delivery_option", "locale", "marketing_consent",
                                            "shipping_same_as_billing", "shipping_address"]),
                           _JSON, max_size=2))
def test_any_input_is_either_an_order_or_field_errors(changes, top) -> None:  # type: ignore[no-untyped-def]
    data = order_data()
    for (section, name), value in changes.items():
        data[section][name] = value
    data.update(top)
    try:
        order = parse_order_input(data, today=TODAY)
    except OrderValidationError as exc:
        assert exc.details and all(err.message_en and err.message_fr
                                   for err in exc.details.values())
    else:
        assert len(order.vehicle.vin) == 17
