from __future__ import annotations

from datetime import date

from check_builders import VIN, context, identity, order, registration

from coc_service.checks.settings import CheckSettings
from coc_service.checks.vehicle import (
    first_registration_date_match,
    make_match,
    vin_match,
    vin_valid,
)


def _ctx(order_changes: dict | None = None, **reg_values: object):  # type: ignore[no-untyped-def]
    return context(order(**(order_changes or {})), [identity(), registration(**reg_values)])


# vin_valid

def test_vin_valid_passes_a_european_vin_without_check_digit() -> None:
    assert VIN[8] != "X"
    r = vin_valid(_ctx())
    assert r.status == "pass"


def test_vin_valid_fails_wrong_length_and_letters() -> None:
    r = vin_valid(_ctx({"vin": "VF3LBBHZHKS12345"}))
    assert (r.status, r.reason) == ("fail", "vin_format")
    assert "16 characters" in r.detail
    assert vin_valid(_ctx({"vin": "VF3LBBHZHKS12345!"})).reason == "vin_format"


def test_vin_valid_normalises_typed_o_and_i() -> None:
    assert vin_valid(_ctx({"vin": "vf3-lbbhzhks123456"})).status == "pass"
    assert vin_valid(_ctx({"vin": "VF3LBBHZHKSI23456"})).status == "pass"


def test_north_american_vin_needs_its_check_digit() -> None:
    assert vin_valid(_ctx({"vin": "1M8GDM9AXKP042788"})).status in ("pass", "warn")
    r = vin_valid(_ctx({"vin": "1M8GDM9A1KP042788"}))
    assert (r.status, r.reason) == ("fail", "vin_check_digit")
    assert "should be X" in r.detail


def test_check_digit_can_be_required_everywhere() -> None:
    strict = CheckSettings(check_digit_everywhere=True)
    r = vin_valid(context(order(), settings=strict))
    assert r.reason == "vin_check_digit"


def test_unknown_wmi_warns() -> None:
    r = vin_valid(_ctx({"vin": "ZZZLBBHZHKS123456"}))
    assert (r.status, r.reason) == ("warn", "unknown_wmi")


# vin_match

def test_vin_match_passes_after_normalisation() -> None:
    r = vin_match(_ctx({"vin": "vf3 lbb hzhks 123456"}))
    assert r.status == "pass"
    assert [e.source for e in r.evidence] == ["order", "document"]
    assert r.evidence[1].box is not None and r.evidence[1].file == "carte-grise.jpg"


def test_one_character_apart_is_probably_a_typo() -> None:
    r = vin_match(_ctx({"vin": "VF3LBBHZHKS123457"}))
    assert (r.status, r.reason) == ("fail", "vin_typo")
    assert "probably a typo" in r.detail
    assert "VF3LBBHZHKS12345[7]" in r.detail and "VF3LBBHZHKS12345[6]" in r.detail
    assert "faute de frappe" in r.detail_fr


def test_swapped_neighbours_and_a_dropped_character_are_typos_too() -> None:
    assert vin_match(_ctx({"vin": "VF3LBBHZHKS123465"})).reason == "vin_typo"
    assert vin_match(_ctx({"vin": "VF3LBBHZHKS12345"})).reason == "vin_typo"


def test_another_vin_fails() -> None:
    r = vin_match(_ctx({"vin": "VF1RFB00X56123456"}))
    assert (r.status, r.reason) == ("fail", "vin_mismatch")


def test_unread_vin_fails_and_no_registration_skips() -> None:
    assert vin_match(_ctx(vin=None)).reason == "vin_unreadable"
    assert vin_match(context(documents=[identity()])).status == "skip"


# first_registration_date_match

def test_same_date_passes() -> None:
    assert first_registration_date_match(_ctx()).status == "pass"


def test_other_date_fails_and_swapped_day_month_is_named() -> None:
    r = first_registration_date_match(_ctx({"first_registration_date": date(2018, 3, 16)}))
    assert (r.status, r.reason) == ("fail", "date_mismatch")
    assert "2018-03-16" in r.detail and "16/03/2018" in r.detail_fr
    r = first_registration_date_match(_ctx({"first_registration_date": date(2018, 3, 15)},
                                           first_registration_date="2018-15-03"))
    assert r.reason == "date_unreadable"
    r = first_registration_date_match(_ctx({"first_registration_date": date(2018, 5, 3)},
                                           first_registration_date="2018-03-05"))
    assert r.reason == "date_swapped"


def test_unread_date_fails() -> None:
    assert first_registration_date_match(_ctx(first_registration_date=None)).status == "fail"


# make_match

def test_make_alias_and_accents_pass() -> None:
    assert make_match(_ctx({"make": "peugeot"}, make="PEUGEOT")).status == "pass"
    ctx = _ctx({"make": "VW"}, make="VOLKSWAGEN", vin="WVWZZZ1KZ8W123456")
    assert make_match(ctx).status == "pass"
    ctx = _ctx({"make": "Citroen"}, make="CITROËN", vin="VF7SA9HZC8W123456")
    assert make_match(ctx).status == "pass"


def test_other_make_on_d1_fails() -> None:
    r = make_match(_ctx({"make": "Citroën"}))
    assert (r.status, r.reason) == ("fail", "make_mismatch")
    assert "Citroën" in r.detail and "Peugeot" in r.detail


def test_wmi_of_another_group_fails_even_when_d1_agrees() -> None:
    r = make_match(_ctx(vin="VF1RFB00X56123456"))
    assert (r.status, r.reason) == ("fail", "wmi_mismatch")
    assert "VF1" in r.detail and "Renault" in r.detail


def test_brand_registered_under_its_parent_passes() -> None:
    r = make_match(_ctx({"make": "DS"}, make="CITROEN", vin="VF7SA9HZC8W123456"))
    assert r.status == "pass"
    assert "Citroën" in r.detail


def test_group_sharing_a_wmi_passes() -> None:
    r = make_match(_ctx({"make": "Cupra"}, make="CUPRA", vin="VSSZZZKLZMR123456"))
    assert r.status == "pass"
    r = make_match(_ctx({"make": "Audi"}, make="AUDI", vin="WVWZZZ1KZ8W123456"))
    assert r.status == "pass"
    assert "group" in r.detail


def test_unknown_ordered_make_and_unknown_d1() -> None:
    assert make_match(_ctx({"make": "Zorglub"})).reason == "unknown_make"
    r = make_match(_ctx(make="ZORGLUB MOTORS"))
    assert (r.status, r.reason) == ("warn", "d1_unknown")


def test_unread_d1_warns() -> None:
    r = make_match(_ctx(make=None))
    assert (r.status, r.reason) == ("warn", "d1_unreadable")


def test_ocr_noise_in_d1_is_forgiven() -> None:
    assert make_match(_ctx(make="PEUGE0T")).status == "pass"


def test_unknown_wmi_with_agreeing_d1_passes_with_a_note() -> None:
    r = make_match(_ctx({"vin": "ZZZLBBHZHKS123456"}, vin="ZZZLBBHZHKS123456"))
    assert r.status == "pass"
    assert "not in our table" in r.detail
