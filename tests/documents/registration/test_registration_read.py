"""read_registration end to end on generated certificates of every country (runs Tesseract)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from coc_service.documents.registration import read_registration
from coc_service.documents.types import Limits, Page, Reading
from fixtures.synth.degrade import add_noise, blur, jpeg_roundtrip, to_array, uneven_light
from fixtures.synth.formats import letter_page
from fixtures.synth.registration import COUNTRIES, generate_registration

pytestmark = pytest.mark.ocr

KEY_FIELDS = ("vin", "registration_number", "first_registration_date", "make")


def _page(country: str, level: str, seed: int) -> tuple[Page, dict[str, str]]:
    rng = random.Random(f"test-{country}-{level}-{seed}")
    image, truth = generate_registration(country, rng)
    pixels = to_array(image)
    if level == "mild":
        # A decent scan: uneven light, slight blur, sensor noise and JPEG (no geometry: the
        # page preparation straightens pages before any reader sees them).
        noise = np.random.default_rng(seed)
        pixels = uneven_light(pixels, 0.15, noise)
        pixels = add_noise(blur(pixels, 0.6), 3.0, noise)
        pixels = jpeg_roundtrip(pixels, 70)
    grey = np.asarray(pixels.mean(axis=2), dtype=np.uint8)
    return Page(index=1, image=grey), truth


def _read(country: str, level: str, seed: int = 1) -> tuple[Reading, dict[str, str]]:
    page, truth = _page(country, level, seed)
    reading = read_registration([page], limits=Limits())
    assert reading is not None
    return reading, truth


@pytest.mark.parametrize("level", ["clean", "mild"])
@pytest.mark.parametrize("country", COUNTRIES)
def test_key_fields_of_every_country(country: str, level: str) -> None:
    reading, truth = _read(country, level)
    assert reading.document_type == "registration_certificate"
    assert reading.country == country
    got = {name: reading.fields[name].value if name in reading.fields else None
           for name in KEY_FIELDS}
    assert got == {name: truth[name] for name in KEY_FIELDS}
    vin = reading.fields["vin"]
    assert vin.page == 1 and vin.box is not None and 0 < vin.confidence <= 1
    assert reading.score >= 0.8


def test_the_french_band_is_read_and_agrees() -> None:
    reading, truth = _read("FRA", "clean", seed=3)
    assert reading.fields["vin"].value == truth["vin"]
    assert reading.fields["vin"].confidence >= 0.8  # print and band agree
    assert not [n for n in reading.notes if n.startswith("vin")]


def test_other_fields_come_with_their_code_names() -> None:
    reading, truth = _read("FRA", "clean", seed=2)
    for name in ("type_approval_number", "certificate_date"):
        assert reading.fields[name].value == truth[name]
    assert {"p1_capacity_cc", "j_category", "x1_inspection_date"} & set(reading.fields)


def test_a_page_without_a_certificate_is_not_taken_for_one() -> None:
    letter = np.asarray(letter_page(random.Random(5)).convert("L"))
    assert read_registration([Page(index=1, image=letter)], limits=Limits()) is None


def test_the_certificate_page_is_found_among_several() -> None:
    letter = np.asarray(letter_page(random.Random(6)).convert("L"))
    page, truth = _page("DEU", "clean", 4)
    reading = read_registration([Page(index=1, image=letter), Page(index=2, image=page.image)],
                                limits=Limits())
    assert reading is not None
    assert reading.page == 2
    assert reading.fields["vin"].value == truth["vin"]
    assert reading.fields["vin"].page == 2


@pytest.mark.parametrize("kind", ["passport_it", "id_de"])
def test_identity_documents_are_not_taken_for_certificates(kind: str) -> None:
    from fixtures.synth.identity import generate_identity_pages

    sides, _ = generate_identity_pages(kind, random.Random(11))
    pages = [Page(index=i + 1, image=np.asarray(side.convert("L"))) for i, side in enumerate(sides)]
    assert read_registration(pages, limits=Limits()) is None


def test_a_blank_page_is_no_certificate() -> None:
    blank = np.full((900, 1400), 235, np.uint8)
    assert read_registration([Page(index=1, image=blank)], limits=Limits()) is None


def test_a_vin_crop_reaches_the_end_of_its_printed_word() -> None:
    """OCR may move a VIN's last characters to another line; the crop follows the ink."""
    import cv2
    import numpy as np

    from coc_service.documents.registration.reread import extend_along_ink

    page = np.full((120, 1400), 235, np.uint8)
    cv2.putText(page, "UU14U8RA49B887207", (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 20, 3)
    cv2.putText(page, "2542", (1150, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 20, 3)
    ink = np.where((page < 128).any(axis=0))[0]
    vin_end = int(ink[ink < 1000].max())
    half = (40, 45, 300, 40)  # the box OCR gave: the first part of the VIN only
    x, y, w, h = extend_along_ink(page, half)
    assert (y, h) == (45, 40)
    assert x <= 41 and x + w >= vin_end  # the whole VIN...
    assert x + w < 1150  # ...and not the mass printed further right


def test_a_read_that_ran_into_the_neighbouring_print_still_gives_its_vin() -> None:
    from coc_service.documents.registration.reader import vin_options

    assert vin_options("CP2WAUW3ZGDLHP182609") == ["WAUW3ZGDLHP182609"]
    assert vin_options("RUEDELACONSTITUCION28013") == []


def _page_of_rows(rows: list[tuple[int, str, int]]) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                              34)
    img = Image.new("L", (1300, 700), 240)
    draw = ImageDraw.Draw(img)
    for y, text, x in rows:
        draw.text((x, y), text, font=font, fill=30)
    return np.asarray(img)


def test_a_vin_the_full_page_ocr_skipped_is_found_in_its_row_of_print() -> None:
    """No word read (a blurred row OCR left out): the row that reads as a VIN is found among
    the page's rows of print, not the approval number or the address beside it."""
    from coc_service.documents.glyphs import best_vin
    from coc_service.documents.registration.clean import prepare_page
    from coc_service.documents.registration.reader import _vin_region

    vin = "TMBE9GGGKJB566390"
    grey = _page_of_rows([(80, "82 CORSO GARIBALDI 20121 MILANO", 60),
                          (200, "e3*98/14*0853*13", 60), (320, vin, 60), (440, "UZ96LP7", 60)])
    regions, printed = _vin_region(grey, prepare_page(grey), [], None)
    assert len(regions) == 1 and 310 <= regions[0][1] <= 335
    assert printed is not None and best_vin(printed) == vin
    # A page that cannot be taken for a certificate anyway is not searched.
    assert _vin_region(grey, prepare_page(grey), [], None, search=False) == ([], None)


def test_a_word_taken_for_the_vin_gives_way_to_the_vin_printed_elsewhere() -> None:
    from coc_service.documents.ocr import Word
    from coc_service.documents.registration.clean import prepare_page
    from coc_service.documents.registration.fields import Candidate
    from coc_service.documents.registration.reader import _vin_region

    grey = _page_of_rows([(80, "LA CONSTITUCION 28013", 60), (320, "WBA1X7DTBHS263383", 60)])
    word = Word("LACONSTITUCION28013", 0.6, (60, 86, 420, 30), (1, 1, 1))
    weak = Candidate("vin", "LC0NST1TUC1028013", 0.5, [word], 0.0, "pattern")
    regions, _ = _vin_region(grey, prepare_page(grey), [], weak)
    assert 310 <= regions[0][1] <= 335
    sure = Candidate("vin", "LC0NST1TUC1028013", 0.95, [word], 0.0, "pattern")
    assert _vin_region(grey, prepare_page(grey), [], sure)[0] == [word.box]


def test_a_vin_the_classifier_alone_is_sure_of_needs_no_second_read() -> None:
    """Where the full page read no VIN, Tesseract's three variants could not overturn a
    classifier this sure of every character, and are not run; a little less sure, they are."""
    import math

    from coc_service.documents.registration.normalise import VIN_ALPHABET
    from coc_service.documents.registration.reader import _needs_second_read
    from coc_service.documents.registration.vin_vote import decide_vin

    def sure_of(vin: str, p: float) -> np.ndarray:
        logp = np.full((17, len(VIN_ALPHABET)), math.log((1 - p) / 32))
        for i, ch in enumerate(vin):
            logp[i, VIN_ALPHABET.index(ch)] = math.log(p)
        return logp

    vin, other = "ZFAGNE5BW4D507273", "ZFAGNESBW4D507273"
    sure = sure_of(vin, 0.935)
    sure[6] = math.log(1e-9)  # the worst case: all that is left on the character read
    sure[6, VIN_ALPHABET.index("5")], sure[6, VIN_ALPHABET.index("S")] = (math.log(0.935),
                                                                        math.log(0.065))
    assert not _needs_second_read(None, [], sure)
    decision = decide_vin([[other], [other], [other]], [], [], base=0.45, printed=sure)
    assert decision is not None and decision.value == vin
    assert _needs_second_read(None, [], sure_of(vin, 0.9))
