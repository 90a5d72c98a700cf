"""MRZ parsing and check digits on published specimen lines (ICAO 9303, French 1988 card)."""

from __future__ import annotations

from datetime import date

import pytest

from coc_service.documents.identity.mrz_format import (
    FRA_ID_1988,
    TD1,
    TD2,
    TD3,
    check_digit,
    layouts_for,
)
from coc_service.documents.identity.mrz_parse import mrz_date, parse_mrz, split_name

TODAY = date(2026, 1, 15)

# ICAO Doc 9303 part 4 (TD3), part 5 (TD1) and part 6 (TD2) specimens of "Utopia".
TD3_SPECIMEN = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1_SPECIMEN = ["I<UTOD231458907<<<<<<<<<<<<<<<",
                "7408122F1204159UTO<<<<<<<<<<<6",
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
TD2_SPECIMEN = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                "D231458907UTO7408122F1204159<<<<<<<6"]
# The public specimen of the French card of 1988-2021 (Corinne Berthier), and a second card
# with its issuing office filled in, as quoted by open-source MRZ parsers.
FRA_SPECIMEN = ["IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
                "8806923102858CORINNE<<<<<<<6512068F6"]
FRA_SECOND = ["IDFRAPETE<<<<<<<<<<<<<<<<<<<<<952042",
              "0509952018746NICOLAS<<PAUL<8206152M3"]
# German identity card specimen (Erika Mustermann): Germany is "D", sex is not given.
DEU_SPECIMEN = ["IDD<<T220001293<<<<<<<<<<<<<<<",
                "6408125<2010315D<<<<<<<<<<<<<4",
                "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]


def test_check_digit_matches_the_icao_worked_examples() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("ZE184226B<<<<<") == "1"
    assert check_digit("D23145890") == "7"
    assert check_digit("<<<<") == "0"


def test_td3_specimen() -> None:
    parsed = parse_mrz(TD3, TD3_SPECIMEN, today=TODAY)
    assert parsed.valid
    assert parsed.values == {
        "document_type_code": "P",
        "issuing_country": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "document_number": "L898902C3",
        "birth_date": "1974-08-12",
        "expiry_date": "2012-04-15",
        "sex": "F",
        "nationality": "UTO",
    }


def test_td1_specimen() -> None:
    parsed = parse_mrz(TD1, TD1_SPECIMEN, today=TODAY)
    assert parsed.valid
    assert parsed.values["document_number"] == "D23145890"
    assert parsed.values["surname"] == "ERIKSSON"
    assert parsed.values["given_names"] == "ANNA MARIA"
    assert parsed.values["birth_date"] == "1974-08-12"
    assert parsed.values["expiry_date"] == "2012-04-15"


def test_td2_specimen() -> None:
    parsed = parse_mrz(TD2, TD2_SPECIMEN, today=TODAY)
    assert parsed.valid
    assert parsed.values["document_type_code"] == "I"
    assert parsed.values["document_number"] == "D23145890"
    assert parsed.values["given_names"] == "ANNA MARIA"


def test_french_1988_specimens_pass_every_check() -> None:
    parsed = parse_mrz(FRA_ID_1988, FRA_SPECIMEN, today=TODAY)
    assert parsed.valid
    assert parsed.values["surname"] == "BERTHIER"
    assert parsed.values["given_names"] == "CORINNE"
    assert parsed.values["document_number"] == "880692310285"
    assert parsed.values["birth_date"] == "1965-12-06"
    assert parsed.values["sex"] == "F"
    assert parsed.values["issuing_country"] == parsed.values["nationality"] == "FRA"
    assert parsed.values["expiry_date"] is None  # not encoded: derived elsewhere
    second = parse_mrz(FRA_ID_1988, FRA_SECOND, today=TODAY)
    assert second.valid
    assert second.values["given_names"] == "NICOLAS PAUL"


def test_french_final_check_covers_line_one() -> None:
    # Our check digit agrees with the published one (6); any change to line 1 breaks it.
    assert check_digit(FRA_SPECIMEN[0] + FRA_SPECIMEN[1][:35]) == FRA_SPECIMEN[1][35]
    tampered = [FRA_SPECIMEN[0].replace("BERTHIER", "BERTHIEZ"), FRA_SPECIMEN[1]]
    assert parse_mrz(FRA_ID_1988, tampered, today=TODAY).failed_checks == ["final"]


def test_german_card_maps_d_to_deu_and_missing_sex_to_x() -> None:
    parsed = parse_mrz(TD1, DEU_SPECIMEN, today=TODAY)
    assert parsed.valid
    assert parsed.values["issuing_country"] == "DEU"
    assert parsed.values["nationality"] == "DEU"
    assert parsed.values["sex"] == "X"
    assert parsed.values["document_number"] == "T22000129"


def test_each_failing_check_is_named() -> None:
    lines = [TD3_SPECIMEN[0], TD3_SPECIMEN[1][:19] + "3" + TD3_SPECIMEN[1][20:]]
    assert parse_mrz(TD3, lines, today=TODAY).failed_checks == ["birth_date", "composite"]
    bad_number = ["I<UTOD231458908<<<<<<<<<<<<<<<", *TD1_SPECIMEN[1:]]
    assert parse_mrz(TD1, bad_number, today=TODAY).failed_checks == [
        "document_number", "composite"]


def test_td1_number_overflowing_into_optional_data() -> None:
    # A 12-character number: 9 in the number field, a filler at the check position, then the
    # last 3 characters and the check digit of the whole number (ICAO 9303-5).
    number = "592012345678"
    head = f"IDBEL{number[:9]}<{number[9:]}{check_digit(number)}"
    line1 = head.ljust(30, "<")
    line2 = f"7408122F300415{check_digit('300415')}BEL74081212345"
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    parsed = parse_mrz(TD1, [line1, line2, "PEETERS<<LOTTE".ljust(30, "<")], today=TODAY)
    assert parsed.valid, parsed.failed_checks
    assert parsed.values["document_number"] == number


def test_dates_take_the_century_that_makes_sense() -> None:
    assert mrz_date("740812", kind="birth", today=TODAY) == date(1974, 8, 12)
    assert mrz_date("050101", kind="birth", today=TODAY) == date(2005, 1, 1)
    assert mrz_date("270101", kind="birth", today=TODAY) == date(1927, 1, 1)
    assert mrz_date("340101", kind="expiry", today=TODAY) == date(2034, 1, 1)
    assert mrz_date("980101", kind="expiry", today=TODAY) == date(1998, 1, 1)
    # no document is valid for decades: an expiry 46 years ahead is one 54 years past
    far = (TODAY.year + 46) % 100
    assert mrz_date(f"{far:02d}0627", kind="expiry", today=TODAY).year == TODAY.year + 46 - 100
    assert mrz_date("741332", kind="birth", today=TODAY) is None
    parsed = parse_mrz(TD3, [TD3_SPECIMEN[0], TD3_SPECIMEN[1].replace("7408122", "7413320")],
                       today=TODAY)
    assert "birth_date_value" in parsed.failed_checks


def test_name_fields_split_on_double_fillers() -> None:
    assert split_name("DE<LA<CRUZ<<JOSE<MARIA<<<<") == ("DE LA CRUZ", "JOSE MARIA")
    assert split_name("MADONNA<<<<<<<<<") == ("MADONNA", "")
    assert split_name("VERYLONGSURNAMECUTSHORT") == ("VERYLONGSURNAMECUTSHORT", "")


def test_layouts_by_shape() -> None:
    assert [lay.name for lay in layouts_for(3, 30)] == ["TD1"]
    assert {lay.name for lay in layouts_for(2, 36)} == {"TD2", "FRA_ID_1988"}
    assert [lay.name for lay in layouts_for(2, 44)] == ["TD3"]
    with pytest.raises(ValueError):
        parse_mrz(TD3, TD2_SPECIMEN, today=TODAY)
