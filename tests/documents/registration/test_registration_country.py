"""Country from headings, and the cheap text classifier, both through OCR noise."""

from __future__ import annotations

import pytest

from coc_service.documents.registration import looks_like_registration
from coc_service.documents.registration.country import detect_country


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("RÉPUBLIQUE FRANÇAISE\nCERTIFICAT D'IMMATRICULATION", "FRA"),
        ("REPUBL1QUE FRANCAISE\nCERTIFICAT DIMMATRICULATION", "FRA"),
        ("Bundesrepublik Deutschland\nZulassungsbescheinigung Teil I", "DEU"),
        ("Zulassungsbeschelnigung Teil 1", "DEU"),
        ("ROYAUME DE BELGIQUE - KONINKRIJK BELGIË\nCERTIFICAT D'IMMATRICULATION - "
         "INSCHRIJVINGSBEWIJS - ZULASSUNGSBESCHEINIGUNG", "BEL"),
        ("REINO DE ESPAÑA\nPERMISO DE CIRCULACIÓN", "ESP"),
        ("PERMISO DE CIRCULACIÔN Dirección General de Tráfico", "ESP"),
        ("REPUBBLICA ITALIANA\nCARTA DI CIRCOLAZIONE", "ITA"),
    ],
)
def test_issuing_country_from_headings(text: str, country: str) -> None:
    assert detect_country(text) == country


def test_no_heading_no_country_unless_the_band_says_france() -> None:
    assert detect_country("A AB-123-CD B 05/01/1998") is None
    assert detect_country("A AB-123-CD B 05/01/1998", band_found=True) == "FRA"


SIV_TEXT = """RÉPUBLIQUE FRANÇAISE
CERTIFICAT D'IMMATRICULATION
A] VX-241-CZ B] 12/11/2014
C.1 MÉNARD ANAÏS
D.1] VOLVO D.2 TDAF2A8YSX D.21 M105FFX98GWV D.3 XC60
E] YV1982W7ZEP824219
F1 2458 F2 2458 G] 2026 G.1 2026 H 26/04/2015
K] e2*98/14*1296*39
P.1 1968 P.2 189 P3] GO P.6 11 S.1 4
CRFRAYV1982W7ZEP824219<VX241CZ<<12112014<<<5
CI<<VOLVO<<XC60<<<<<<<<<<<<<<<<<<<<<2011LX1511962"""


def test_certificate_text_scores_high_even_without_its_title() -> None:
    assert looks_like_registration(SIV_TEXT) >= 0.8
    untitled = "\n".join(SIV_TEXT.splitlines()[2:])
    assert looks_like_registration(untitled) >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "CARTE NATIONALE D'IDENTITÉ\nNom: DUPONT\nPrénom(s): JEAN\nIDFRADUPONT<<<<<<<<<<<<<<<<<<<<<<<<",  # noqa: E501
        "P<FRADUPONT<<JEAN<<<<<<<<<<<<<<<<<<<<<<<<<<<\n12AB345678FRA8001014M3001015<<<<<<<<<<<<<<02",
        "Madame, Monsieur, nous vous prions de trouver ci-joint la facture du 12/03/2024.",
        "",
    ],
)
def test_other_documents_score_low(text: str) -> None:
    assert looks_like_registration(text) < 0.35
