from __future__ import annotations

import pytest

from coc_service.checks.names import (
    company_score,
    given_names_score,
    name_tokens,
    person_in_holder_score,
    person_score,
    surname_alternatives,
    surname_score,
)


def test_tokens_drop_accents_case_hyphens_and_mrz_fillers() -> None:
    assert name_tokens("Jean-Hélène d'Arc") == ["JEAN", "HELENE", "D", "ARC"]
    assert name_tokens("MARIE<<CLAIRE<") == ["MARIE", "CLAIRE"]
    assert name_tokens("Müller", icao=True) == ["MUELLER"]
    assert name_tokens("Strauß Øster") == ["STRAUSS", "OSTER"]


def test_married_and_birth_names() -> None:
    assert surname_alternatives("DUPONT épouse MARTIN") == [["DUPONT"], ["MARTIN"],
                                                            ["DUPONT", "MARTIN"]]
    assert ["MARTIN"] in surname_alternatives("Dupont ép. Martin")
    assert ["DUPONT"] in surname_alternatives("Martin née Dupont")
    assert ["MARTIN"] in surname_alternatives("DUPONT Nom d'usage MARTIN")
    assert surname_score("Martin", "DUPONT EPOUSE MARTIN") == 100
    assert surname_score("Dupont", "MARTIN") < 50


@pytest.mark.parametrize(
    ("first", "last", "surname", "given"),
    [
        ("Jean", "Dupont", "DUPONT", "JEAN PIERRE MARIE"),  # one of several given names
        ("Pierre", "Dupont", "DUPONT", "JEAN PIERRE"),  # the second one
        ("Jean-Pierre", "Dupont", "DUPONT", "JEAN PIERRE"),
        ("Jeanpierre", "Dupont", "DUPONT", "JEAN PIERRE"),
        ("jean", "DUPONT", "DUPONT", "JEAN"),
        ("Dupont", "Jean", "DUPONT", "JEAN"),  # boxes swapped
        ("Hélène", "Le Gall", "LE GALL", "HELENE"),
        ("Helene", "Legall", "LE GALL", "HELENE"),
        ("Jürgen", "Müller", "MUELLER", "JUERGEN"),  # MRZ transliteration
        ("Jürgen", "Müller", "MÜLLER", "JÜRGEN"),
        ("Kathe", "Köhler", "KOEHLER", "KAETHE"),  # umlaut dropped by the customer
        ("Bjorn", "Schroder", "SCHROEDER", "BJOERN"),
        ("Marie", "Martin", "DUPONT EPOUSE MARTIN", "MARIE"),
        ("Marie", "Martin née Dupont", "DUPONT", "MARIE"),
        ("Jean", "Schneidermann", "SCHNEIDERMAN", "JEAN"),  # one letter lost by OCR, long name
    ],
)
def test_same_person(first: str, last: str, surname: str, given: str) -> None:
    assert person_score(first, last, surname, given) >= 85


@pytest.mark.parametrize(
    ("first", "last", "surname", "given"),
    [
        ("Paul", "Durand", "DUPONT", "JEAN"),
        ("Marie", "Dupont", "DUPONT", "JEAN"),  # a relative
        ("Anne", "Martin", "MARTINEZ", "ANNE"),
        ("Jean", "Dupont", "DUPONT", "JEANNE"),
        ("Luc", "Li", "LE", "LUC"),
    ],
)
def test_other_person(first: str, last: str, surname: str, given: str) -> None:
    assert person_score(first, last, surname, given) < 85


def test_one_ocr_error_in_a_short_name_is_doubtful_not_equal() -> None:
    score = person_score("Jean", "Dupont", "DUPOMT", "JEAN")
    assert 70 <= score < 85


def test_given_names_need_every_typed_name() -> None:
    assert given_names_score("Jean Paul", "JEAN PIERRE") < 85
    assert given_names_score(None, "JEAN") == 0


def test_holder_line() -> None:
    assert person_in_holder_score("DUPONT", "JEAN PIERRE", "DUPONT JEAN PIERRE") == 100
    assert person_in_holder_score("DUPONT EPOUSE MARTIN", "MARIE", "MARTIN MARIE") == 100
    assert person_in_holder_score("DUPONT", "JEAN", "DUPONT MARIE") < 85
    assert person_in_holder_score("DUPONT", "JEAN", "MARTIN PAUL") < 50
    assert person_in_holder_score("DUPONT", "JEAN", None) == 0


def test_company_names_ignore_legal_forms() -> None:
    assert company_score("Transports Dupont SARL", "SAS TRANSPORTS DUPONT") == 100
    assert company_score("Société Dupont", "DUPONT") == 100
    assert company_score("Dupont", "SAS DUPUIS") < 85
    assert company_score("SARL", "SAS") == 0
