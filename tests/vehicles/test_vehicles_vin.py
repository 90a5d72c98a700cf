from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coc_service.vehicles.vin import (
    VIN_ALPHABET,
    is_north_american,
    normalise_vin,
    vin_check_digit,
    vin_check_digit_ok,
    vin_format_ok,
    wmi,
)


def test_normalise_vin_upper_cases_and_drops_separators() -> None:
    assert normalise_vin(" vf3-lbb hzhks1234.56 ") == "VF3LBBHZHKS123456"


def test_normalise_vin_maps_letters_a_vin_never_holds() -> None:
    assert normalise_vin("VF3LBBHZHKSI234O6") == "VF3LBBHZHKS123406"
    assert normalise_vin("WVWZZZQ") == "WVWZZZ0"


def test_format_needs_17_characters_of_the_vin_alphabet() -> None:
    assert vin_format_ok("VF3LBBHZHKS123456")
    assert not vin_format_ok("VF3LBBHZHKS12345")  # 16
    assert not vin_format_ok("VF3LBBHZHKS1234567")  # 18
    assert not vin_format_ok("VF3LBBHZHKS12345O")  # O is not in the alphabet


@pytest.mark.parametrize(
    ("vin", "digit"),
    [
        ("1M8GDM9AXKP042788", "X"),  # the 49 CFR 565 worked example
        ("11111111111111111", "1"),
        ("1HGCM82633A004352", "3"),
    ],
)
def test_check_digit_of_known_vins(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit
    assert vin_check_digit_ok(vin)


def test_one_changed_character_breaks_the_check_digit() -> None:
    assert not vin_check_digit_ok("1M8GDM9AXKP042789")


def test_check_digit_refuses_a_malformed_vin() -> None:
    with pytest.raises(ValueError):
        vin_check_digit("1M8GDM9AX")


def test_wmi_and_region() -> None:
    assert wmi("VF3LBBHZHKS123456") == "VF3"
    assert is_north_american("1M8GDM9AXKP042788")
    assert is_north_american("5YJ3E1EA7KF317000")
    assert not is_north_american("VF3LBBHZHKS123456")
    assert not is_north_american("JMZBK12F601234567")
    assert not is_north_american("")


@given(st.text(alphabet=sorted(VIN_ALPHABET), min_size=17, max_size=17))
def test_setting_the_computed_check_digit_always_validates(vin: str) -> None:
    fixed = vin[:8] + vin_check_digit(vin) + vin[9:]
    assert vin_check_digit_ok(fixed)
    assert normalise_vin(fixed) == fixed
