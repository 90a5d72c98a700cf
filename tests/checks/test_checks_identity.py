from __future__ import annotations

from datetime import date

from check_builders import context, identity, order, registration

from coc_service.checks.identity import french_1988_card_expiry, id_not_expired, mrz_valid
from coc_service.documents.types import Field


def _with(doc_kwargs: dict, submitted: date = date(2026, 11, 22)):  # type: ignore[no-untyped-def]
    return context(order(submitted_at=submitted), [identity(**doc_kwargs), registration()])


# mrz_valid

def test_valid_mrz_passes() -> None:
    r = mrz_valid(context())
    assert r.status == "pass" and "TD1" in r.detail


def test_failed_check_digits_are_listed() -> None:
    r = mrz_valid(_with({"mrz_valid": False, "failed": ("document_number", "composite")}))
    assert (r.status, r.reason) == ("fail", "mrz_check_digits")
    assert "document_number, composite" in r.detail


def test_no_mrz_fails_and_the_mrz_side_is_preferred() -> None:
    front_only = identity(with_mrz=False)
    r = mrz_valid(context(documents=[front_only, registration()]))
    assert (r.status, r.reason) == ("fail", "no_mrz")
    back = identity(file="back.jpg")
    assert mrz_valid(context(documents=[front_only, back, registration()])).status == "pass"


def test_mrz_without_identity_skips() -> None:
    assert mrz_valid(context(documents=[registration()])).status == "skip"


# id_not_expired: printed expiry (passports, TD1 cards)

def test_valid_on_the_submission_day_inclusive() -> None:
    assert id_not_expired(_with({"expiry_date": "2026-11-22"})).status == "pass"
    r = id_not_expired(_with({"expiry_date": "2026-11-21"}))
    assert (r.status, r.reason) == ("fail", "expired")
    assert "2026-11-21" in r.detail and "21/11/2026" in r.detail_fr


def test_unknown_expiry_warns() -> None:
    r = id_not_expired(_with({"expiry_date": None}))
    assert (r.status, r.reason) == ("warn", "expiry_unknown")


# id_not_expired: French card of 1988-2021 (issue month is in the card number)

def _french(number: str, birth: str | None, **more: object) -> dict:
    return {"mrz_format": "FRA_ID_1988", "document_number": number, "birth_date": birth,
            "expiry_date": None, **more}


def test_french_rules() -> None:
    # adult, from 2004-01-02: 15 years; until 2013 printed 10 and extended by 5
    assert french_1988_card_expiry(date(2005, 6, 1), date(1970, 1, 1)) == (date(2020, 5, 31), True)
    assert french_1988_card_expiry(date(2016, 4, 1), date(1970, 1, 1)) == (date(2031, 3, 31),
                                                                           False)
    # before 2004-01-02, or a minor, or birth unknown: 10 years
    assert french_1988_card_expiry(date(2003, 12, 1), date(1970, 1, 1)) == (date(2013, 11, 30),
                                                                            False)
    assert french_1988_card_expiry(date(2004, 1, 1), date(1970, 1, 1))[0] == date(2013, 12, 31)
    assert french_1988_card_expiry(date(2010, 3, 1), date(1995, 1, 1))[0] == date(2020, 2, 29)
    assert french_1988_card_expiry(date(2010, 3, 1), None)[0] == date(2020, 2, 29)


def test_extended_card_is_valid_beyond_its_printed_date() -> None:
    r = id_not_expired(_with(_french("050692300123", "1970-01-01"), date(2019, 1, 1)))
    assert (r.status, r.reason) == ("pass", "ok_extended")
    assert "15-year extension" in r.detail and "2020-05-31" in r.detail


def test_extension_is_not_named_within_the_printed_ten_years() -> None:
    r = id_not_expired(_with(_french("050692300123", "1970-01-01"), date(2012, 1, 1)))
    assert (r.status, r.reason) == ("pass", "ok")


def test_extended_card_expires_too() -> None:
    r = id_not_expired(_with(_french("050692300123", "1970-01-01")))
    assert (r.status, r.reason) == ("fail", "expired")


def test_minor_card_is_not_extended() -> None:
    r = id_not_expired(_with(_french("100392300123", "1995-01-01"), date(2021, 1, 1)))
    assert r.reason == "expired"


def test_card_of_january_2004_without_a_day_is_read_carefully() -> None:
    doc = _french("040192300123", "1970-01-01")
    assert id_not_expired(_with(doc, date(2015, 1, 1))).reason == "expired"
    doc_with_day = _french("040192300123", "1970-01-01", issue_date="2004-01-15")
    assert id_not_expired(_with(doc_with_day, date(2015, 1, 1))).reason == "ok_extended"


def test_computed_expiry_overrides_a_reader_derived_one() -> None:
    derived = Field(value="2015-05-31", confidence=1.0, source="derived", derived=True)
    doc = _french("050692300123", "1970-01-01", expiry_date=derived)
    r = id_not_expired(_with(doc, date(2019, 1, 1)))
    assert r.status == "pass"
    assert any(e.field == "computed_expiry" and e.value == "2020-05-31" for e in r.evidence)


def test_french_card_recognised_without_its_mrz() -> None:
    doc = _french("050692300123", "1970-01-01", with_mrz=False)
    assert id_not_expired(_with(doc, date(2019, 1, 1))).reason == "ok_extended"


def test_derived_expiry_is_used_when_the_number_says_nothing() -> None:
    derived = Field(value="2030-01-01", confidence=1.0, source="derived", derived=True)
    doc = _french("X", "1970-01-01", expiry_date=derived)
    assert id_not_expired(_with(doc)).status == "pass"


def test_expiry_without_identity_skips() -> None:
    assert id_not_expired(context(documents=[registration()])).status == "skip"


def test_a_reader_that_knew_the_day_of_issue_is_believed_within_the_month() -> None:
    exact = Field(value="2020-06-19", confidence=0.95, source="derived", derived=True)
    doc = _french("050692300123", "1970-01-01", expiry_date=exact)
    r = id_not_expired(_with(doc, date(2020, 6, 10)))
    assert r.status == "pass" and "2020-06-19" in r.detail
    too_late = Field(value="2021-06-19", confidence=0.95, source="derived", derived=True)
    doc = _french("050692300123", "1970-01-01", expiry_date=too_late)
    assert id_not_expired(_with(doc, date(2020, 6, 10))).reason == "expired"
