"""The SIV band parser: layout-agnostic on line 1, words of line 2, OCR slips tolerated."""

from __future__ import annotations

from datetime import date

from coc_service.documents.registration.band import (
    band_dates,
    clean_band_line,
    looks_like_band_line,
    parse_band,
    vin_candidates,
)

LINE2_SPECIMEN = "CI<<MARQUES<<<<<<<MODELE<<<<<<<2009AS0528402"  # public specimen's second line


def test_plate_vin_and_date_found_in_either_order() -> None:
    for line1 in ("CRFRAAB123CD<<<VF3LBBHZHKS123456<180315<<<<6",
                  "CRFRAVF3LBBHZHKS123456<AB123CD<<15032018<<<6"):
        band = parse_band([line1, "CI<<PEUGEOT<<308<<<<<<<<<<<<<<<<<<2018AB1234502"])
        assert band.vin == "VF3LBBHZHKS123456"
        assert band.plate == "AB-123-CD"
        assert date(2018, 3, 15) in band.dates
        assert band.make == "Peugeot"
        assert band.commercial_name == "308"
        assert band.formula_number == "2018AB12345"


def test_old_french_plate_in_the_band() -> None:
    band = parse_band(["CRFRA2273XM49<<ZARAP68ULVC875135<970617<<<<8", LINE2_SPECIMEN])
    assert band.plate == "2273 XM 49"
    assert band.vin == "ZARAP68ULVC875135"
    assert band.dates == [date(1997, 6, 17)]


def test_specimen_second_line_gives_its_words() -> None:
    band = parse_band(["CRFRA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", LINE2_SPECIMEN])
    assert band.make == "MARQUES"
    assert band.commercial_name == "MODELE"
    assert band.formula_number == "2009AS05284"
    assert band.vin is None


def test_o_and_i_misreads_in_the_vin_are_undone() -> None:
    assert "VF1TREW70HM242435" in vin_candidates("CRFRABK117BM<<<VFITREW7OHM242435<170816<<<<6")


def test_an_extra_character_leaves_several_repairs_and_no_claim() -> None:
    band = parse_band(["CRFRABK117BM<<<VFITREW70OHM242435<170816<<<<6", LINE2_SPECIMEN])
    assert "VF1TREW70HM242435" in band.vin_candidates
    assert band.vin is None  # the band alone cannot tell which character was extra
    settled = parse_band(["CRFRABK117BM<<<VFITREW70OHM242435<170816<<<<6", LINE2_SPECIMEN],
                         expected_vin="VF1TREW70HM242435")
    assert settled.vin == "VF1TREW70HM242435"


def test_six_digits_are_read_as_yymmdd_first() -> None:
    primary, other = band_dates("<170816<")
    assert primary == [date(2017, 8, 16)]
    assert other == [date(2016, 8, 17)]


def test_band_lines_are_recognised_and_cleaned() -> None:
    assert looks_like_band_line("CRFRA AB123CD<<<VF3LBBHZHKS123456<180315")
    assert not looks_like_band_line("CERTIFICAT D'IMMATRICULATION")
    assert clean_band_line("cr fra«AB") == "CRFRA<<AB"


def test_only_a_line_starting_like_crfra_is_the_band() -> None:
    from coc_service.documents.registration.band import starts_like_band

    assert starts_like_band("CRFRAAB123CD<<<VF3LBBHZHKS123456<180315<<<<6")
    assert starts_like_band("GRFRAAB123CD<<<VF3LBBHZHKS123456")  # one misread character
    assert not starts_like_band("P<FRADUPONT<<JEAN<<<<<<<<<<<<<<<<<<<<<<<<<<<")
    assert not starts_like_band("IDFRADUPONT<<<<<<<<<<<<<<<<<<<<<<<<<")
