"""Values found right of or below their codes, on word boxes as OCR returns them (no OCR)."""

from __future__ import annotations

import pytest

from coc_service.documents.ocr import Word
from coc_service.documents.registration.fields import (
    best_candidates,
    code_candidates,
    pattern_candidates,
    unclaimed_dates,
)
from coc_service.documents.registration.layout import (
    Line,
    group_lines,
    is_label_word,
    split_label,
)

CHAR_W = 16  # px per character of a value, enough for the geometry to look like print


def _row(y: int, parts: list[tuple[int, str]], height: int = 30) -> list[Word]:
    """Return words of one printed row: (x, text) pairs, a smaller height for code/label text."""
    words = []
    for x, text in parts:
        small = text[:1].islower() or text in {"A", "B", "E", "I", "K"} or "." in text[:3]
        h = int(height * 0.7) if small and not text[:1].isdigit() else height
        words.append(Word(text, 0.9, (x, y + (height - h), CHAR_W * len(text), h), (1, 1, y)))
    return words


def _lines(*rows: list[Word]) -> list[Line]:
    return group_lines([w for row in rows for w in row])


def _read(lines: list[Line], country: str | None) -> dict[str, str]:
    best = best_candidates(code_candidates(lines, country), pattern_candidates(lines, country))
    return {name: cand.value for name, cand in best.items()}


def test_siv_rows_with_values_right_of_their_codes() -> None:
    lines = _lines(
        _row(100, [(50, "A"), (90, "AB-123-CD"), (400, "B"), (440, "05/01/1998")]),
        _row(150, [(50, "C.1"), (120, "DUPONT"), (240, "YVES")]),
        _row(200, [(50, "D.1"), (120, "PEUGEOT"), (300, "D.2"), (360, "3HNFBD"),
                   (520, "D.3"), (590, "308")]),
        _row(250, [(50, "E"), (90, "VF3LBBHZHKS123456")]),
        _row(300, [(50, "I"), (90, "04/12/2009"), (330, "K"), (370, "e2*2007/46*0534*12")]),
    )
    fields = _read(lines, "FRA")
    assert fields["registration_number"] == "AB-123-CD"
    assert fields["first_registration_date"] == "1998-01-05"
    assert fields["holder_name"] == "DUPONT YVES"
    assert fields["make"] == "Peugeot"
    assert fields["d2_type"] == "3HNFBD"
    assert fields["commercial_name"] == "308"
    assert fields["vin"] == "VF3LBBHZHKS123456"
    assert fields["certificate_date"] == "2009-12-04"
    assert fields["type_approval_number"] == "e2*2007/46*0534*12"


def test_a_code_split_in_two_words_is_joined_again() -> None:
    lines = _lines(
        _row(150, [(50, "C"), (66, ".1"), (120, "DUPONT"), (240, "HÉLÈNE")]),
        _row(200, [(50, "D.1"), (120, "VOLVO"), (300, "E"), (340, "YV1MS682261234567")]),
    )
    assert [w.text for w in lines[0].words[:2]] == ["C.1", "DUPONT"]
    assert _read(lines, "FRA")["holder_name"] == "DUPONT HÉLÈNE"
    lost_dot = _lines(_row(150, [(50, "D"), (70, "1"), (120, "MERCEDES-BENZ")]))
    assert _read(lost_dot, "FRA")["make"] == "Mercedes-Benz"


def test_a_lone_code_letter_far_from_a_number_stays_alone() -> None:
    lines = _lines(_row(150, [(50, "J"), (200, ".1"), (260, "VP")]))
    assert [w.text for w in lines[0].words] == ["J", ".1", "VP"]


def test_ocr_noise_on_codes_does_not_lose_their_values() -> None:
    lines = _lines(
        _row(100, [(50, "[A]"), (100, "AB-123-CD"), (400, "fB]"), (450, "05/01/1998")]),
        _row(150, [(50, "0.1"), (120, "RENAULT"), (330, "D3"), (390, "CLIO")]),
        _row(200, [(50, "E]"), (100, "VF1RFB00X12345678")]),
    )
    fields = _read(lines, "FRA")
    assert fields["registration_number"] == "AB-123-CD"
    assert fields["first_registration_date"] == "1998-01-05"
    assert fields["make"] == "Renault"
    assert fields["commercial_name"] == "CLIO"
    assert fields["vin"] == "VF1RFB00X12345678"


def test_values_below_codes_with_national_labels_between() -> None:
    lines = _lines(
        _row(100, [(50, "A"), (80, "Amtliches"), (230, "Kennzeichen"),
                   (700, "B"), (730, "Datum"), (820, "der"), (880, "Erstzulassung")]),
        _row(145, [(55, "M-AB"), (140, "1234"), (705, "13.07.2021")]),
        _row(200, [(50, "D.1"), (110, "Marke"), (700, "E"), (730, "Fahrzeug-Identifizierungsnummer")]),  # noqa: E501
        _row(245, [(55, "VOLKSWAGEN"), (705, "WVWZZZ1JZXW000001")]),
        _row(300, [(50, "C.1.1"), (140, "Name"), (220, "oder"), (300, "Firmenname"),
                   (700, "C.1.2"), (790, "Vorname(n)")]),
        _row(345, [(55, "MÜLLER"), (705, "JÜRGEN")]),
    )
    fields = _read(lines, "DEU")
    assert fields["registration_number"] == "M-AB 1234"
    assert fields["first_registration_date"] == "2021-07-13"
    assert fields["make"] == "Volkswagen"
    assert fields["vin"] == "WVWZZZ1JZXW000001"
    assert fields["holder_surname"] == "MÜLLER"
    assert fields["holder_given_names"] == "JÜRGEN"


def test_label_then_value_on_one_line() -> None:
    lines = _lines(
        _row(100, [(50, "A"), (80, "Matrícula"), (260, "3286"), (350, "BDH"),
                   (600, "B"), (630, "Fecha"), (720, "primera"), (840, "matriculación"),
                   (1100, "01/08/2022")]),
        _row(150, [(50, "D.1"), (110, "Marca"), (230, "AUDI"), (500, "D.3"),
                   (560, "Denominación"), (760, "comercial"), (950, "Q3")]),
    )
    fields = _read(lines, "ESP")
    assert fields["registration_number"] == "3286 BDH"
    assert fields["first_registration_date"] == "2022-08-01"
    assert fields["make"] == "Audi"
    assert fields["commercial_name"] == "Q3"


def test_a_small_label_read_in_capitals_is_still_a_label() -> None:
    code = _row(100, [(50, "C.1.1")])
    label = [Word("NOM/NAAM", 0.8, (150, 108, 130, 20), (1, 1, 100))]  # smaller than values
    value = _row(100, [(300, "PEETERS")])
    fields = _read(_lines(code + label + value), "BEL")
    assert fields["holder_surname"] == "PEETERS"
    assert is_label_word("Nom/Naam") and not is_label_word("DUPONT/MARTIN")


def test_an_elided_particle_set_apart_by_ocr_is_joined_to_its_name() -> None:
    lines = _lines(_row(150, [(50, "C.1"), (120, "DELL"), (200, "'ORTO"), (300, "LUCA")]))
    assert _read(lines, "ITA")["holder_name"] == "DELL'ORTO LUCA"


def test_a_date_is_the_value_of_one_field_only() -> None:
    lines = _lines(_row(100, [(50, "B"), (90, "05/01/1998"), (330, "1]"), (370, "04/12/2009")]))
    fields = _read(lines, "FRA")
    assert fields["first_registration_date"] == "1998-01-05"
    assert fields["certificate_date"] == "2009-12-04"


def test_vin_and_plate_found_by_their_shape_when_codes_are_lost() -> None:
    lines = _lines(_row(100, [(50, "~"), (90, "AB-123-CD")]),
                   _row(150, [(50, "WVWZZZ1JZXW"), (240, "000001")]))
    fields = _read(lines, "FRA")
    assert fields["registration_number"] == "AB-123-CD"
    assert fields["vin"] == "WVWZZZ1JZXW000001"


def test_a_label_word_is_never_a_value() -> None:
    lines = _lines(_row(100, [(50, "D.1"), (110, "Marque"), (230, "/"), (260, "Merk")]),
                   _row(145, [(55, "AUDI")]))
    fields = _read(lines, "BEL")
    assert fields["make"] == "Audi"
    labels, rest = split_label(lines[0].words[1:], 30)
    assert [w.text for w in labels] == ["Marque", "/", "Merk"] and not rest


def test_unlabelled_dates_are_offered_for_the_certificate_date() -> None:
    lines = _lines(_row(100, [(50, "B"), (90, "05/01/1998"), (330, "n"), (370, "04/12/2009")]))
    best = best_candidates(code_candidates(lines, "FRA"))
    assert "certificate_date" not in best
    assert [c.value for c in unclaimed_dates(lines, best)] == ["2009-12-04"]


def test_the_band_is_no_spare_date() -> None:
    lines = _lines(_row(100, [(50, "B"), (90, "10/07/1996"), (330, "fi"), (370, "19/01/2023")]),
                   _row(300, [(50, "CRFRAVF7M55SNST5015828<XR299BC<<10071996<<<4")]))
    best = best_candidates(code_candidates(lines, "FRA"))
    assert [c.value for c in unclaimed_dates(lines, best)] == ["2023-01-19"]


def test_lost_codes_dates_are_given_in_date_order() -> None:
    from coc_service.documents.registration.inference import infer_dates

    lines = _lines(_row(100, [(50, "~"), (90, "04/12/2009"), (330, "n"), (370, "05/01/1998")]))
    best = best_candidates(code_candidates(lines, "DEU"))
    notes: list[str] = []
    infer_dates(lines, best, notes, "DEU")
    assert best["first_registration_date"].value == "1998-01-05"
    assert best["certificate_date"].value == "2009-12-04"
    assert len(notes) == 2 and best["certificate_date"].score < 0.7


def test_more_unlabelled_dates_than_gaps_are_left_alone() -> None:
    from coc_service.documents.registration.inference import infer_dates

    lines = _lines(_row(100, [(50, "~"), (90, "04/12/2009"), (330, "n"), (370, "05/01/1998"),
                              (610, "x"), (650, "01/01/2001")]))
    best = best_candidates(code_candidates(lines, "ITA"))
    infer_dates(lines, best, [], "ITA")
    assert "first_registration_date" not in best and "certificate_date" not in best


def test_a_make_printed_without_its_code_is_taken_when_it_matches_the_vin() -> None:
    from coc_service.documents.registration.inference import infer_make

    lines = _lines(_row(100, [(50, "E"), (90, "VF3LBBHZHKS123456")]),
                   _row(150, [(50, "~"), (90, "PEUGEOT")]))
    best = best_candidates(code_candidates(lines, "FRA"))
    assert "make" not in best
    infer_make(lines, best, [])
    assert best["make"].value == "Peugeot"


def test_a_value_glued_to_its_label_by_underscores_is_split_off() -> None:
    lines = _lines(_row(100, [(50, "A"), (80, "/"), (110, "Inschrijving__1-VWE-752")]))
    assert _read(lines, "BEL")["registration_number"] == "1-VWE-752"


def test_a_misread_code_keeps_its_value_and_never_takes_the_next_fields_line() -> None:
    """"ci" for C.1 is a dear guess; the line below starts with C.4a ("C4a") and is C.4a's own
    value, not the holder; "Kk" for K loses the code, but K's value has a shape of its own."""
    lines = _lines(
        _row(100, [(50, "ci"), (120, "SARL"), (200, "TAXIS"), (300, "LEBLANC")]),
        _row(150, [(50, "C4a"), (120, "EST"), (180, "LE"), (230, "PROPRIETAIRE"),
                   (450, "DU"), (500, "VEHICULE")]),
        _row(200, [(50, "Kk"), (110, "e2*2018/858*1551*35")]),
    )
    fields = _read(lines, "FRA")
    assert fields["holder_name"] == "SARL TAXIS LEBLANC"
    assert fields["type_approval_number"] == "e2*2018/858*1551*35"


def test_a_date_is_never_a_model_and_an_address_never_a_name() -> None:
    """On a blurred page the codes of I and C.1.3 are lost; their values must not be taken
    for D.3 and C.1, which sit just above them."""
    lines = _lines(
        _row(100, [(50, "C.1"), (120, "WEBER"), (215, "JURGEN")]),
        _row(150, [(50, "CL"), (120, "64"), (170, "GARTENWEG"), (330, "10115"), (430, "BERLIN")]),
        _row(200, [(50, "D.3"), (120, "GIULIA")]),
        _row(250, [(50, "Dx"), (120, "18.12.2024")]),
    )
    lines_without_name = _lines(
        _row(150, [(50, "C.1"), (120, "64"), (170, "GARTENWEG"), (330, "10115"),
                   (430, "BERLIN")]),
        _row(250, [(50, "D.3"), (120, "18.12.2024")]),
    )
    assert _read(lines, "DEU")["holder_name"] == "WEBER JURGEN"
    fields = _read(lines_without_name, "DEU")
    assert "holder_name" not in fields and "commercial_name" not in fields


def test_siv_holder_and_model_taken_from_the_layout_when_their_codes_are_lost() -> None:
    from coc_service.documents.registration.inference import (
        infer_commercial_name,
        infer_holder,
        infer_make,
    )

    lines = _lines(
        _row(100, [(50, "&"), (90, "AG-280-WE"), (330, "@"), (370, "13/07/2011")]),
        _row(150, [(120, "GIRAUD"), (240, "MARIE-CLAIRE")]),
        _row(200, [(140, "EST"), (210, "LE"), (250, "PROPRIETAIRE"), (480, "DU"),
                   (530, "VEHICULE")]),
        _row(250, [(50, "Di"), (130, "DACIA"), (330, "W3V7KPK"), (600, "M10LUG6F3APP"),
                   (880, "p3"), (940, "LOGAN")]),
    )
    best = best_candidates(code_candidates(lines, "FRA"))
    assert "holder_name" not in best and "commercial_name" not in best
    notes: list[str] = []
    infer_make(lines, best, notes)
    infer_holder(lines, best, notes, "FRA")
    infer_commercial_name(lines, best, notes, "FRA")
    assert best["holder_name"].value == "GIRAUD MARIE-CLAIRE"
    assert best["commercial_name"].value == "LOGAN"
    assert best["holder_name"].score < 0.7 and best["commercial_name"].score < 0.7
    assert sum("SIV's layout" in note for note in notes) == 2
    german = best_candidates(code_candidates(lines, "DEU"))
    infer_holder(lines, german, [], "DEU")  # other states' layouts differ: no guess
    assert "holder_name" not in german


@pytest.mark.parametrize("model", [["C3"], ["C4", "PICASSO"], ["X1", "SDRIVE18D"]])
def test_a_model_named_like_a_code_is_the_models_name(model: list[str]) -> None:
    """Citroën's C3 to C5 and BMW's X1 read like the codes C.3 or X.1 with their dot lost:
    right after D.3 they are the model, not the next code."""
    parts = [(50, "D.1"), (120, "CITROEN"), (300, "D.2"), (360, "SC9HP0"), (520, "D.3")]
    x = 590
    for word in model:  # one value's words, a space apart
        parts.append((x, word))
        x += CHAR_W * len(word) + 15
    lines = _lines(_row(200, parts), _row(250, [(50, "E"), (90, "VF7SC9HP0CW123456")]))
    assert _read(lines, "FRA")["commercial_name"] == " ".join(model)


def test_siv_model_named_like_a_code_is_kept_when_d3_is_lost() -> None:
    from coc_service.documents.registration.inference import infer_commercial_name, infer_make

    lines = _lines(_row(250, [(50, "Di"), (130, "CITROEN"), (330, "SC9HP0"),
                              (600, "M10CTVVP0015"), (880, "C4"), (940, "PICASSO")]))
    best = best_candidates(code_candidates(lines, "FRA"))
    infer_make(lines, best, [])
    infer_commercial_name(lines, best, [], "FRA")
    assert best["commercial_name"].value == "C4 PICASSO"


def test_a_word_with_i_and_o_for_digits_is_a_weak_vin_even_once_repaired() -> None:
    """An address read as 19 capitals ("LACONSTITUCION28013") leaves a VIN with a known WMI
    (LC0, BYD) once two characters are dropped; its letters I and O say it was a word."""
    lines = _lines(_row(100, [(50, "LACONSTITUCION28013")]))
    best = best_candidates(pattern_candidates(lines, "ESP"))
    assert "vin" not in best or best["vin"].strength < 0.6


def test_rows_of_print_read_as_lower_case_words_hold_no_vin() -> None:
    from coc_service.documents.registration.fields import unread_rows

    lines = _lines(_row(100, [(50, "Fahrzeug-Identifizierungsnummer")]),
                   _row(150, [(50, "WAURGJL39EES")]))
    label_run, vin_run, blank_run = (40, 98, 520, 32), (40, 148, 300, 32), (40, 200, 300, 32)
    assert unread_rows(lines, [label_run, vin_run, blank_run]) == [vin_run, blank_run]


def test_the_siv_band_s_digits_are_never_read_as_a_printed_date() -> None:
    # I's code lost ("{"), its date elsewhere; the band below holds B's date in its own digits
    lines = _lines(
        _row(100, [(40, "B"), (80, "16/03/2020")]),
        _row(400, [(40, "H"), (80, "{"), (120, "31/08/2022")]),
        _row(603, [(52, "1"), (105, "211,00"), (300, "11,00")]),  # "1" taken for I's code
        _row(640, [(60, "CRFRATMBJDBFFULV513229<XK254KF<<16032020<<<0")]),
    )
    read = _read(lines, "FRA")
    assert read["first_registration_date"] == "2020-03-16"
    assert read.get("certificate_date") != "2020-03-16"


def test_c1_s_own_code_misread_as_a_short_word_is_not_taken_into_the_name() -> None:
    from coc_service.documents.registration.inference import infer_holder

    name_row = _row(150, [(50, "CID"), (120, "LEFÈVRE"), (260, "FRANÇOISE")])
    name_row[0] = Word("CID", 0.21, name_row[0].box, name_row[0].line)  # read unsurely
    lines = _lines(
        name_row,
        _row(200, [(140, "EST"), (210, "LE"), (250, "PROPRIETAIRE"), (480, "DU"),
                   (530, "VEHICULE")]),
    )
    best = best_candidates(code_candidates(lines, "FRA"))
    best.pop("holder_name", None)
    infer_holder(lines, best, [], "FRA")
    assert best["holder_name"].value == "LEFÈVRE FRANÇOISE"
