"""Normalisers with domain knowledge: VINs, plates, dates, type-approval numbers, accents."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coc_service.documents.registration.normalise import (
    VIN_ALPHABET,
    local_accents,
    normalise_approval,
    normalise_number,
    normalise_plate,
    normalise_vin,
    parse_date,
    vin_format_ok,
    vin_plausibility,
    vin_repairs,
)

vins = st.text(alphabet=VIN_ALPHABET, min_size=13, max_size=13).map(
    lambda head: head + "1234")  # ISO 3779: the serial ends in digits


@given(vins)
def test_a_well_formed_vin_survives_normalisation(vin: str) -> None:
    assert normalise_vin(vin) == vin
    assert vin_format_ok(normalise_vin(vin))


@given(vins, st.sampled_from([" ", "-", "."]))
def test_separators_and_lower_case_are_undone(vin: str, sep: str) -> None:
    written = sep.join([vin[:3], vin[3:9], vin[9:]]).lower()
    assert normalise_vin(written) == vin


@given(vins, st.data())
def test_letters_that_never_occur_are_mapped_to_their_digits(vin: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 16))
    digit = vin[position]
    if digit not in "01":
        return
    misread = vin[:position] + {"0": "O", "1": "I"}[digit] + vin[position + 1 :]
    assert normalise_vin(misread) == vin


def test_serial_letters_are_read_as_the_digits_they_look_like() -> None:
    assert normalise_vin("VF3LBBHZHKS12S4B6") == "VF3LBBHZHKS125486"


def test_a_word_of_seventeen_letters_is_not_a_plausible_vin() -> None:
    assert vin_plausibility("NUMERODIDENTIFIC1") < 0.5
    assert vin_plausibility("VF3LBBHZHKS123456") >= 0.7


def test_a_stray_character_is_repaired_by_dropping_it() -> None:
    assert "VF1TREW70HM242435" in vin_repairs("VF1LTREW70HM242435")


@pytest.mark.parametrize(
    ("text", "country", "plate"),
    [
        ("AB-123-CD", "FRA", "AB-123-CD"), ("ab 123 cd", None, "AB-123-CD"),
        ("AB-I23-CD", "FRA", "AB-123-CD"), ("1234 AB 56", "FRA", "1234 AB 56"),
        ("M-AB 1234", "DEU", "M-AB 1234"), ("B-VX 8933", None, "B-VX 8933"),
        ("1-ABC-234", "BEL", "1-ABC-234"), ("3286 BDH", "ESP", "3286 BDH"),
        ("MJ 214 GA", "ITA", "MJ 214 GA"), ("GB AB12 CDE", "GBR", "GB AB12 CDE"),
    ],
)
def test_plates_in_national_formats(text: str, country: str | None, plate: str) -> None:
    assert normalise_plate(text, country)[0] == plate


def test_the_band_writes_old_french_plates_without_spaces() -> None:
    assert normalise_plate("2273XM49", "FRA", compact=True)[0] == "2273 XM 49"
    assert normalise_plate("2273XM49", "FRA")[1] < 0.85


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/01/1998", date(1998, 1, 5)), ("05.01.1998", date(1998, 1, 5)),
        ("05-01-1998", date(1998, 1, 5)), ("1998-01-05", date(1998, 1, 5)),
        ("O5/0l/1998", date(1998, 1, 5)), ("B 17/06/1997", date(1997, 6, 17)),
    ],
)
def test_dates_in_every_printed_form(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2020", "00/01/2020", "12/13/2020", "AB-123-CD", ""])
def test_impossible_dates_are_rejected(text: str) -> None:
    assert parse_date(text) is None


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2060, 12, 31)))
def test_every_real_date_round_trips(day: date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(day.strftime("%d.%m.%Y")) == day
    assert parse_date(day.isoformat()) == day


def test_type_approval_numbers() -> None:
    assert normalise_approval("e2*2007/46*0534*12") == ("e2*2007/46*0534*12", 1.0)
    assert normalise_approval("€2 * 2007/46 * 0534 * 12")[0] == "e2*2007/46*0534*12"
    assert normalise_approval("e1+2001/116+0363+06")[0] == "e1*2001/116*0363*06"
    assert normalise_approval("NUMERO")[0] is None
    # stars lost or misread: the known framework directive places them
    assert normalise_approval("<6*2007/46091908") == ("e6*2007/46*0919*08", 0.75)
    assert normalise_approval("e6*98/14°2441*05")[0] == "e6*98/14*2441*05"
    assert normalise_approval("e6*2007/4609190")[1] < 0.5  # a digit short: not placed


def test_numbers_within_bounds() -> None:
    assert normalise_number("1 968", low=40, high=20000) == "1968"
    assert normalise_number("l2O", low=1, high=999) == "120"
    assert normalise_number("99999", low=1, high=999) is None


def test_local_accents_replace_the_circumflex_the_french_model_knows() -> None:
    assert local_accents("KÔHLER BÂRBEL", "DEU") == "KÖHLER BÄRBEL"
    assert local_accents("FERNÂNDEZ", "ESP") == "FERNÁNDEZ"
    assert local_accents("NICOLÔ", "ITA") == "NICOLÒ"
    assert local_accents("JÉRÔME", "FRA") == "JÉRÔME"
