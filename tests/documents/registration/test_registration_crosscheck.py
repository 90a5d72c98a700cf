"""The holder's name composed from its parts (C.1.1 + C.1.2) when C.1 is missing or doubtful;
the printed commercial name (D.3) checked against the SIV band's."""

from __future__ import annotations

from coc_service.documents.registration.band import BandReading
from coc_service.documents.registration.crosscheck import compose_holder_name, cross_check_band
from coc_service.documents.types import Field

BAND_BOX = (0, 900, 1200, 60)


def _fields(**values: tuple[str, float]) -> dict[str, Field]:
    return {name: Field(value, confidence, 1, (10 * i, 5, 40, 12))
            for i, (name, (value, confidence)) in enumerate(values.items())}


def test_composed_when_c1_is_absent() -> None:
    fields = _fields(holder_surname=("LEFÈVRE", 0.7), holder_given_names=("HÉLÈNE", 0.65))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEFÈVRE HÉLÈNE"
    assert fields["holder_name"].confidence == 0.65
    assert fields["holder_name"].box == (0, 5, 50, 12)


def test_a_doubtful_stray_c1_gives_way_to_the_parts() -> None:
    fields = _fields(holder_name=("KK", 0.38), holder_surname=("LEFÈVRE", 0.7),
                     holder_given_names=("HÉLÈNE", 0.65))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEFÈVRE HÉLÈNE"


def test_a_c1_holding_the_surname_is_kept() -> None:
    fields = _fields(holder_name=("LEFÈVRE HÉLÈNE MARIE", 0.5), holder_surname=("LEFÈVRE", 0.7))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEFÈVRE HÉLÈNE MARIE"


def test_the_owner_never_replaces_a_holder_read_under_c1() -> None:
    fields = _fields(holder_name=("LEASYS SPA", 0.5), owner_surname=("ROSSI", 0.9),
                     owner_given_names=("MARIO", 0.9))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEASYS SPA"


def _band(name: str, confidence: float = 0.75) -> BandReading:
    return BandReading(lines=["CRFRA", f"CI<<PEUGEOT<<{name}"], make="Peugeot",
                       commercial_name=name, confidence=confidence)


def _cross_checked(band: BandReading, **values: tuple[str, float]) -> tuple[dict[str, Field],
                                                                           list[str]]:
    fields, notes = _fields(**values), []
    cross_check_band(fields, band, BAND_BOX, 1, notes)
    return fields, notes


def test_a_commercial_name_not_read_on_the_print_is_taken_from_the_band() -> None:
    fields, _ = _cross_checked(_band("RIFTER"), make=("PEUGEOT", 0.8))
    assert fields["commercial_name"].value == "RIFTER"
    assert fields["commercial_name"].source == "band"
    assert fields["commercial_name"].box == BAND_BOX


def test_a_doubtful_printed_name_gives_way_to_the_band_s() -> None:
    fields, notes = _cross_checked(_band("FOCUS"), commercial_name=("3 FOCUS", 0.13))
    assert fields["commercial_name"].value == "FOCUS"
    assert any("commercial_name" in note for note in notes)


def test_a_clearly_printed_name_stays_when_the_band_differs() -> None:
    fields, notes = _cross_checked(_band("TMROC"), commercial_name=("T-ROC", 0.58))
    assert fields["commercial_name"].value == "T-ROC"
    assert fields["commercial_name"].confidence < 0.58
    assert any("band says 'TMROC'" in note for note in notes)


def test_agreement_raises_the_printed_name_s_confidence() -> None:
    fields, _ = _cross_checked(_band("C5 AIRCROSS"), commercial_name=("C5 AIRCROSS", 0.6))
    assert fields["commercial_name"].confidence > 0.6
    assert fields["commercial_name"].source == "ocr"


def test_a_name_the_band_cut_short_keeps_the_printed_one() -> None:
    fields, notes = _cross_checked(_band("X1 SDRIVE1"), commercial_name=("X1 SDRIVE18D", 0.3))
    assert fields["commercial_name"].value == "X1 SDRIVE18D"
    assert notes == []


def test_a_band_read_poorly_is_not_trusted_for_the_name() -> None:
    fields, _ = _cross_checked(_band("FOCUS", confidence=0.25), commercial_name=("3 FOCUS", 0.13))
    assert fields["commercial_name"].value == "3 FOCUS"


def test_a_c1_with_given_names_beside_it_is_a_misread_c11_and_takes_them() -> None:
    fields = {"holder_name": Field("GIRAUD", 0.5, 1, (164, 170, 107, 23)),
              "holder_given_names": Field("FRANÇOISE", 0.67, 1, (422, 170, 156, 28))}
    compose_holder_name(fields)
    assert fields["holder_name"].value == "GIRAUD FRANÇOISE"
    assert fields["holder_name"].box == (164, 170, 414, 28)


def test_given_names_read_on_another_line_are_not_added_to_c1() -> None:
    # a label word taken for C.1.2 a few lines down ("... le propriétaire du véhicule")
    fields = {"holder_name": Field("DUPONT ANAÏS", 0.6, 1, (160, 170, 220, 24)),
              "holder_given_names": Field("PROPRIETAIRE", 0.4, 1, (300, 260, 180, 24))}
    compose_holder_name(fields)
    assert fields["holder_name"].value == "DUPONT ANAÏS"
