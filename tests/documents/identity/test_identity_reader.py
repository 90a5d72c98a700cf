"""read_identity end to end on generated cards and passports, and its visual-zone second source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

from coc_service.documents.identity import read_identity
from coc_service.documents.identity.fra1988 import derive_expiry
from coc_service.documents.identity.visual import (
    VisualLine,
    VisualZone,
    date_found,
    find_name,
    issue_date,
)
from coc_service.documents.types import Limits, Page
from fixtures.synth.identity import KINDS

MakePages = Callable[..., tuple[list[Page], dict[str, Any]]]
LIMITS = Limits()
MRZ_FIELDS = ("document_type_code", "issuing_country", "document_number", "birth_date", "sex",
              "nationality")


def _expected_expiry(truth: dict) -> str:
    if truth["mrz_format"] != "FRA_ID_1988":
        return truth["expiry_date"]
    derived = derive_expiry(truth["document_number"], date.fromisoformat(truth["birth_date"]))
    assert derived is not None
    return derived.expiry.isoformat()


@pytest.mark.parametrize("level", ["clean", "mild"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_field_exact(make_pages: MakePages, kind: str, level: str) -> None:
    pages, truth = make_pages(kind, 21, level)
    reading = read_identity(pages, limits=LIMITS, visual="never")
    assert reading is not None, kind
    assert reading.mrz is not None and reading.mrz.valid
    assert reading.mrz.lines == truth["mrz_lines"]
    assert reading.mrz.format == truth["mrz_format"]
    assert reading.document_type == truth["document_type"]
    assert reading.country == truth["country"]
    assert reading.page == truth["mrz_page"] + 1
    values = {name: f.value for name, f in reading.fields.items()}
    for name in MRZ_FIELDS:
        assert values[name] == truth[name], name
    assert values["expiry_date"] == _expected_expiry(truth)
    assert values["surname"] == truth["surname_mrz"]
    assert values["given_names"] == truth["given_names_mrz"]
    for field in reading.fields.values():
        assert 0.0 <= field.confidence <= 1.0
        assert field.page == reading.page and field.box is not None
    assert reading.score > 0.9


def test_field_boxes_lie_on_the_mrz(make_pages: MakePages) -> None:
    pages, truth = make_pages("passport_fr", 5, "clean")
    reading = read_identity(pages, limits=LIMITS, visual="never")
    assert reading is not None
    x, y, w, h = truth["mrz_box"]
    box = reading.fields["document_number"].box
    assert box is not None
    bx, by, bw, bh = box
    assert x - 10 <= bx and bx + bw <= x + 9 * w / 44 + 15  # the first 9 cells of line 2
    assert y + h / 2 <= by + bh and by <= y + h + 10


def test_french_1988_card_expiry_is_derived_and_marked(make_pages: MakePages) -> None:
    pages, truth = make_pages("fr_id_1988", 2, "clean")
    reading = read_identity(pages[:1], limits=LIMITS, visual="never")
    assert reading is not None
    expiry = reading.fields["expiry_date"]
    assert expiry.derived and expiry.source == "derived"
    assert expiry.value == _expected_expiry(truth)
    assert expiry.value <= truth["expiry_date"]  # never later than the real end
    assert any("décret 2013-1188" in note for note in reading.notes)


def test_no_mrz_no_reading() -> None:
    blank = Page(index=1, image=np.full((700, 1000), 240, np.uint8))
    assert read_identity([blank], limits=LIMITS) is None


def test_visual_zone_names_and_dates_without_ocr() -> None:
    zone = VisualZone(
        lines=[
            VisualLine("Nom : LEFÈVRE-DURAND", 1, (10, 10, 200, 20)),
            VisualLine("Prénom(s) : HÉLÈNE, JEAN-PIERRE, MARIE Sexe : F", 1, (10, 40, 300, 20)),
            VisualLine("Né(e) le : 05.03.1981", 1, (10, 70, 200, 20)),
            VisualLine("Date of expiry 12 AUG /AOÛT 31", 1, (10, 100, 200, 20)),
            VisualLine("délivrée le : 14.09.2012", 2, (10, 10, 200, 20)),
        ],
        pages_read=[1, 2],
    )
    surname = find_name(zone, "LEFEVRE DURAND", truncated=False)
    assert surname is not None and surname.exact and surname.printed == "LEFÈVRE-DURAND"
    given = find_name(zone, "HELENE JEAN PIERRE MARIE", truncated=False)
    assert given is not None and given.printed == "HÉLÈNE JEAN-PIERRE MARIE"
    # An MRZ that cut the names short: the printed capitals that follow complete them, up to
    # the next label.
    cut = find_name(zone, "HELENE JEAN PI", truncated=True)
    assert cut is not None and cut.exact and cut.printed == "HÉLÈNE JEAN-PIERRE MARIE"
    near = find_name(zone, "LEFEVRE DURANT", truncated=False)
    assert near is not None and not near.exact  # one letter apart: reported, not adopted
    assert date_found(zone, date(1981, 3, 5)) is not None
    assert date_found(zone, date(2031, 8, 12)) is not None
    assert date_found(zone, date(1981, 5, 3)) is None
    assert issue_date(zone) == date(2012, 9, 14)


@pytest.mark.ocr
def test_visual_zone_gives_printed_names_with_accents(make_pages: MakePages) -> None:
    for seed in range(40):  # a French passport whose holder has an accented name
        pages, truth = make_pages("passport_fr", seed, "clean")
        if truth["surname"] != truth["surname_mrz"] or truth["given_names"] != truth[
                "given_names_mrz"]:
            break
    reading = read_identity(pages, limits=LIMITS, visual="always")
    assert reading is not None
    adopted = []
    for name in ("surname", "given_names"):
        field = reading.fields[name]
        # OCR may miss an accent: then the MRZ spelling stays; never anything else.
        assert field.value in (truth[name], truth[f"{name}_mrz"])
        if field.source == "visual" and field.value == truth[name] != truth[f"{name}_mrz"]:
            adopted.append(name)
    assert adopted, "no accented name taken from the visual zone"
    assert not [n for n in reading.notes if "not found" in n and "date" in n]


@pytest.mark.ocr
def test_visual_zone_on_the_other_side_of_a_td1_card(make_pages: MakePages) -> None:
    pages, truth = make_pages("fr_id_2021", 8, "clean")
    reading = read_identity(pages, limits=LIMITS, visual="always")
    assert reading is not None and reading.page == 2
    assert reading.fields["surname"].value == truth["surname"]
    assert reading.fields["birth_date"].value == truth["birth_date"]
    assert not [n for n in reading.notes if n.startswith("visual zone")]


@pytest.mark.ocr
def test_french_1988_back_gives_the_exact_expiry(make_pages: MakePages) -> None:
    pages, truth = make_pages("fr_id_1988", 4, "clean")
    reading = read_identity(pages, limits=LIMITS, visual="always")
    assert reading is not None
    assert reading.fields["expiry_date"].value == truth["expiry_date"]
    assert reading.fields["expiry_date"].derived


@pytest.mark.ocr
def test_french_1988_back_is_read_unasked_for_the_day_of_issue(make_pages: MakePages) -> None:
    pages, truth = make_pages("fr_id_1988", 6, "clean")
    reading = read_identity(pages, limits=LIMITS)  # visual "auto": the MRZ alone is trusted
    assert reading is not None
    assert reading.fields["expiry_date"].value == truth["expiry_date"]
    assert not [n for n in reading.notes if "day of issue unknown" in n]


def test_a_page_shaped_like_a_letter_is_not_read_as_the_back(
    make_pages: MakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, _ = make_pages("fr_id_1988", 6, "clean")
    # A4 at 300 dpi: the 1988 card (105 x 74 mm) has the same proportions, not the same size.
    letter = Page(index=2, image=np.full((3508, 2480), 245, np.uint8), dpi=300.0)
    calls: list[object] = []
    monkeypatch.setattr("coc_service.documents.ocr.read_words",
                        lambda *a, **k: calls.append(a) or None)
    reading = read_identity([pages[0], letter], limits=LIMITS)
    assert reading is not None and calls == []
    assert any("day of issue unknown" in n for n in reading.notes)


@pytest.mark.ocr
def test_french_1988_back_photocopied_beside_the_front_on_one_sheet(
    make_pages: MakePages,
) -> None:
    (front, back), truth = make_pages("fr_id_1988", 6, "clean")
    height = max(front.image.shape[0], back.image.shape[0])
    gap = np.full((height, 200), 250, np.uint8)
    sides = [np.pad(side.image, ((0, height - side.image.shape[0]), (0, 0)),
                    constant_values=250) for side in (front, back)]
    sheet = np.pad(np.hstack([sides[0], gap, sides[1]]), 150, constant_values=250)
    reading = read_identity([Page(index=1, image=sheet)], limits=LIMITS)
    assert reading is not None
    assert reading.fields["expiry_date"].value == truth["expiry_date"]
