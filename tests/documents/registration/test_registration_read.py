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
