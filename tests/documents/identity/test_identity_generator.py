"""The synthetic identity documents: seeded, valid MRZs, truth consistent with the MRZ."""

from __future__ import annotations

import hashlib
import random
from datetime import date

import numpy as np
import pytest
from PIL import Image

from coc_service.documents.identity.mrz_format import LAYOUTS
from coc_service.documents.identity.mrz_parse import parse_mrz
from coc_service.documents.identity.transliterate import mrz_spellings, to_mrz
from fixtures.synth.identity import KINDS, generate_identity, generate_identity_pages

TODAY = date(2026, 1, 15)


def _digest(image: Image.Image) -> str:
    return hashlib.sha256(np.asarray(image).tobytes()).hexdigest()


def test_same_seed_same_document() -> None:
    first, truth1 = generate_identity("passport_fr", random.Random(5))
    second, truth2 = generate_identity("passport_fr", random.Random(5))
    third, _ = generate_identity("passport_fr", random.Random(6))
    assert truth1 == truth2
    assert _digest(first) == _digest(second) != _digest(third)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_valid_mrz_matching_its_truth(kind: str) -> None:
    for seed in (1,):
        pages, truth = generate_identity_pages(kind, random.Random(seed))
        layout = LAYOUTS[truth["mrz_format"]]
        parsed = parse_mrz(layout, truth["mrz_lines"], today=TODAY)
        assert parsed.valid, (kind, truth["mrz_lines"], parsed.failed_checks)
        for name in ("document_type_code", "issuing_country", "document_number", "birth_date",
                     "sex", "nationality"):
            assert parsed.values[name] == truth[name], (kind, name)
        if truth["mrz_format"] != "FRA_ID_1988":
            assert parsed.values["expiry_date"] == truth["expiry_date"]
        assert parsed.values["surname"] == truth["surname_mrz"]
        assert parsed.values["given_names"] == truth["given_names_mrz"]
        # The printed names transliterate to the MRZ's (which may cut them short).
        spelled = {s for s in mrz_spellings(truth["surname"])}
        assert any(s.startswith(truth["surname_mrz"]) for s in spelled), kind
        x, y, w, h = truth["mrz_box"]
        side = pages[truth["mrz_page"]]
        assert x >= 0 and x + w <= side.width and y >= 0 and y + h <= side.height
        assert truth["document_type"] in ("id_card", "passport")


def test_cards_come_with_both_sides() -> None:
    pages, truth = generate_identity_pages("fr_id_2021", random.Random(1))
    assert len(pages) == 2 and truth["mrz_page"] == 1  # the new card: MRZ on the back
    pages, truth = generate_identity_pages("fr_id_1988", random.Random(1))
    assert len(pages) == 2 and truth["mrz_page"] == 0  # the old card: MRZ on the front
    assert "issue_date" in truth
    width_mm = pages[0].width / (truth["mrz_box"][2] / (36 * 2.54))
    assert 95 < width_mm < 115  # the 1988 card is 105 mm wide


def test_transliteration_follows_icao() -> None:
    assert to_mrz("Lefèvre") == "LEFEVRE"
    assert to_mrz("Jean-Pierre") == "JEAN<PIERRE"
    assert to_mrz("Müller") == "MUELLER"
    assert to_mrz("Weiß") == "WEISS"
    assert to_mrz("O'Brien") == "OBRIEN"
    assert to_mrz("Núñez García") == "NUNEZ<GARCIA"
    assert to_mrz("Ștefănescu") == "STEFANESCU"
    assert mrz_spellings("Müller") == {"MUELLER", "MULLER"}
