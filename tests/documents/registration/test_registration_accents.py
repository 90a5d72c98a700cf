"""Names on Spanish, German and Italian certificates re-read with their language's model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from coc_service.documents import ocr
from coc_service.documents.registration.accents import respelled, restore_accents
from coc_service.documents.types import Field, Limits

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def test_a_second_read_lends_only_its_marks() -> None:
    assert respelled("GARCIA LOPEZ ALVARO", ["GARCÍA", "LÓPEZ"]) == "GARCÍA LÓPEZ ALVARO"
    assert respelled("NÜNEZ", ["NÚÑEZ"]) == "NÚÑEZ"
    assert respelled("WEIR KLAUS", ["WEIß", "KLAUS"]) == "WEIß KLAUS"  # ß read as R
    assert respelled("DELL'ORTO", ["DELL'ÒRTO"]) == "DELL'ÒRTO"


def test_a_second_read_with_other_letters_changes_nothing() -> None:
    assert respelled("GARCIA", ["GRACIA"]) == "GARCIA"
    assert respelled("MARTIN", ["MARTÍNEZ"]) == "MARTIN"
    assert respelled("WEIR", ["WEIT"]) == "WEIR"
    assert respelled("PENA", []) == "PENA"


def _line(text: str) -> np.ndarray:
    image = Image.new("L", (900, 90), 255)
    ImageDraw.Draw(image).text((20, 20), text, fill=0, font=ImageFont.truetype(FONT, 44))
    return np.asarray(image)


def _name(value: str, image: np.ndarray) -> Field:
    ink = np.argwhere(image < 128)
    (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
    return Field(value=value, confidence=0.8, page=1, box=(int(x0), int(y0), int(x1 - x0),
                                                           int(y1 - y0)), source="ocr")


@pytest.mark.ocr
def test_spanish_names_get_back_the_accents_the_french_model_lost() -> None:
    if not ocr.has_language("spa"):
        pytest.fail("tesseract-ocr-spa is not installed (scripts/install.sh installs it)")
    image = _line("GARCÍA LÓPEZ")
    fields = {"holder_surname": _name("GARCIA LOPEZ", image)}
    notes = restore_accents(image, fields, "ESP", Limits())
    assert fields["holder_surname"].value == "GARCÍA LÓPEZ"
    assert notes == ["holder_surname: accents from the spa model"]
    given = {"holder_given_names": _name("MARIA", image := _line("MARÍA."))}
    restore_accents(image, given, "ESP", Limits())
    assert given["holder_given_names"].value == "MARÍA"  # the stray dot is not the name's


@pytest.mark.ocr
def test_french_certificates_and_unlike_names_are_left_as_read() -> None:
    image = _line("GARCÍA LÓPEZ")
    french = {"holder_name": _name("GARCIA LOPEZ", image)}
    assert restore_accents(image, french, "FRA", Limits()) == []
    assert french["holder_name"].value == "GARCIA LOPEZ"
    other = {"holder_name": _name("GRACIA LOPES", image)}  # not what the line says
    restore_accents(image, other, "ESP", Limits())
    assert other["holder_name"].value == "GRACIA LOPES"
