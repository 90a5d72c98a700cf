from __future__ import annotations

import pytest
from check_builders import context, identity, order, registration

from coc_service.checks.approval import coc_eligible, parse_type_approval
from coc_service.checks.settings import CheckSettings


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("e2*2007/46*0534*12", "e2*2007/46*0534*12"),
        ("E2 * 2007/46 * 0534 * 12", "e2*2007/46*0534*12"),
        ("e11x2007/46x1234x05", "e11*2007/46*1234*05"),
        ("e1*2001/116*0226*12", "e1*2001/116*0226*12"),
        ("e4*2018/858*00012*01", "e4*2018/858*00012*01"),
        ("e4*168/2013*00123*00", "e4*168/2013*00123*00"),
        ("e3*167/2013*0012*00", "e3*167/2013*0012*00"),
        ("e1*70/156*0123*45", "e1*70/156*0123*45"),
        ("e2*2OO7/46*O534*12", "e2*2007/46*0534*12"),
        ("e1*2007/46*0329*19*", "e1*2007/46*0329*19"),
        ("€6*2001/116*2190*14", "e6*2001/116*2190*14"),
        ("RÉCEPI0N/G0EDEUING€6*2001/116*2190*14", "e6*2001/116*2190*14"),  # label kept by OCR
        ("e2*98/14*284417", "e2*98/14*2844*17"),  # last separator lost
        ("©9°98/14°2989°", "e9*98/14*2989"),  # extension lost
    ],
)
def test_eu_approvals_are_read_through_ocr_noise(text: str, normalised: str) -> None:
    approval = parse_type_approval(text)
    assert approval is not None
    assert str(approval) == normalised
    assert approval.whole_vehicle


@pytest.mark.parametrize("text", ["", "RTI0012345", "----", "e99*2007/46*0534*12",
                                  "2007/46*0534*12", "e2*0534*12", "DI0M0LEGARI0NT",
                                  "e2*2007/46", None])
def test_other_texts_are_not_eu_approvals(text: str | None) -> None:
    assert parse_type_approval(text) is None


def test_eu_whole_vehicle_approval_of_a_served_make_passes() -> None:
    r = coc_eligible(context())
    assert r.status == "pass"
    assert "e2*2007/46*0534*12" in r.detail


def test_no_k_fails() -> None:
    r = coc_eligible(context(documents=[identity(), registration(type_approval_number=None)]))
    assert (r.status, r.reason) == ("fail", "no_type_approval")


def test_individual_or_national_approval_fails() -> None:
    r = coc_eligible(context(documents=[identity(),
                                        registration(type_approval_number="RTI 0012345")]))
    assert (r.status, r.reason) == ("fail", "not_eu_approval")


def test_small_series_and_unknown_acts_warn() -> None:
    small = registration(type_approval_number="e2*KS07/46*0001*00")
    assert coc_eligible(context(documents=[identity(), small])).reason == "small_series"
    component = registration(type_approval_number="e2*2009/125*0001*00")
    r = coc_eligible(context(documents=[identity(), component]))
    assert (r.status, r.reason) == ("warn", "unknown_act")


def test_make_outside_the_catalogue_fails() -> None:
    only_renault = CheckSettings(served_makes=frozenset({"Renault"}))
    r = coc_eligible(context(settings=only_renault))
    assert (r.status, r.reason) == ("fail", "make_not_served")
    assert "Peugeot" in r.detail


def test_served_makes_accept_aliases_in_configuration() -> None:
    settings = CheckSettings.from_mapping({"served_makes": ["VW", "peugeot"]})
    assert settings.served_makes == frozenset({"Volkswagen", "Peugeot"})
    assert coc_eligible(context(order(), settings=settings)).status == "pass"
    with pytest.raises(ValueError, match="Zorglub"):
        CheckSettings.from_mapping({"served_makes": ["Zorglub"]})


def test_no_registration_skips() -> None:
    assert coc_eligible(context(documents=[identity()])).status == "skip"
