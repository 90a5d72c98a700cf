from __future__ import annotations

from check_builders import context, identity, order, registration

from coc_service.checks.persons import name_match, registration_holder_match
from coc_service.checks.settings import CheckSettings
from coc_service.documents.types import Field


def test_customer_is_the_person_on_the_id() -> None:
    r = name_match(context())
    assert r.status == "pass"
    assert "JEAN PIERRE DUPONT" in r.detail


def test_other_person_fails() -> None:
    ctx = context(order(first_name="Paul", last_name="Durand"),
                  [identity(), registration(holder_name="DURAND PAUL")])
    r = name_match(ctx)
    assert (r.status, r.reason) == ("fail", "name_mismatch")


def test_married_name_typed_for_a_birth_name_card() -> None:
    ctx = context(order(first_name="Marie", last_name="Martin"),
                  [identity(surname="DUPONT", given_names="MARIE", usage_name="MARTIN"),
                   registration(holder_name="MARTIN MARIE")])
    assert name_match(ctx).status == "pass"


def test_doubtful_similarity_warns_and_threshold_is_configurable() -> None:
    ctx = context(documents=[identity(surname="DUPOMT", given_names="JEAN"), registration()])
    r = name_match(ctx)
    assert (r.status, r.reason) == ("warn", "name_doubtful")
    lenient = context(documents=ctx.documents, settings=CheckSettings(name_match_threshold=80))
    assert name_match(lenient).status == "pass"


def test_id_of_the_registration_holder_instead_of_the_customer_warns() -> None:
    ctx = context(order(first_name="Paul", last_name="Durand"),
                  [identity(), registration(holder_name="DUPONT JEAN PIERRE")])
    r = name_match(ctx)
    assert (r.status, r.reason) == ("warn", "identity_of_holder")


def test_company_order_names_the_representative() -> None:
    ctx = context(order(company_name="Transports Dupont", siren="732829320"))
    r = name_match(ctx)
    assert r.status == "pass" and "representative" in r.detail


def test_unreadable_name_fails_and_no_identity_skips() -> None:
    r = name_match(context(documents=[identity(surname=None), registration()]))
    assert r.reason == "name_unreadable"
    assert name_match(context(documents=[registration()])).status == "skip"


def test_holder_is_the_person_on_the_id() -> None:
    assert registration_holder_match(context()).status == "pass"


def test_other_holder_warns_not_fails() -> None:
    ctx = context(documents=[identity(), registration(holder_name="MARTIN PAUL")])
    r = registration_holder_match(ctx)
    assert (r.status, r.reason) == ("warn", "holder_differs")


def test_company_holds_the_registration() -> None:
    ctx = context(order(company_name="Transports Dupont", siren="732829320"),
                  [identity(), registration(holder_name="SAS TRANSPORTS DUPONT")])
    r = registration_holder_match(ctx)
    assert (r.status, r.reason) == ("pass", "ok_company")


def test_holder_from_separate_surname_and_given_name_fields() -> None:
    reg = registration(holder_name=None)
    reg.fields["holder_surname"] = Field(value="DUPONT", confidence=0.9)
    reg.fields["holder_given_names"] = Field(value="JEAN", confidence=0.9)
    assert registration_holder_match(context(documents=[identity(), reg])).status == "pass"


def test_unreadable_holder_warns_and_customer_is_used_without_id() -> None:
    r = registration_holder_match(context(documents=[identity(), registration(holder_name=None)]))
    assert r.reason == "holder_unreadable"
    assert registration_holder_match(context(documents=[registration()])).status == "pass"
    assert registration_holder_match(context(documents=[identity()])).status == "skip"
