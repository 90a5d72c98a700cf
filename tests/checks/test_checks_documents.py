from __future__ import annotations

from check_builders import context, identity, registration

from coc_service.checks.documents import document_types, documents_readable
from coc_service.checks.settings import CheckSettings
from coc_service.documents.types import ExtractionResult, Field, QualityVerdict, RejectionInfo


def test_identity_and_registration_pass() -> None:
    r = document_types(context())
    assert r.status == "pass"
    assert "cni.jpg" in r.detail and "carte-grise.jpg" in r.detail_fr


def test_passport_counts_as_identity() -> None:
    assert document_types(context(documents=[identity(doc_type="passport"),
                                             registration()])).status == "pass"


def test_registration_uploaded_twice_is_named() -> None:
    r = document_types(context(documents=[registration(file="a.jpg"),
                                          registration(file="b.jpg")]))
    assert (r.status, r.reason) == ("fail", "registration_as_identity")
    assert "in place of the identity document" in r.detail


def test_identity_uploaded_as_registration_is_named() -> None:
    r = document_types(context(documents=[identity(file="a.jpg"), identity(file="b.jpg")]))
    assert (r.status, r.reason) == ("fail", "identity_as_registration")


def test_missing_identity_or_registration() -> None:
    unknown = registration(status="unreadable", file="blur.jpg")
    r = document_types(context(documents=[unknown, registration()]))
    assert (r.status, r.reason) == ("fail", "identity_missing")
    assert "blur.jpg" in r.detail
    r = document_types(context(documents=[identity()]))
    assert (r.status, r.reason) == ("fail", "registration_missing")
    assert document_types(context(documents=[])).reason == "no_documents"


def test_registrations_of_two_vehicles_fail() -> None:
    r = document_types(context(documents=[identity(), registration(),
                                          registration(vin="VF1RFB00X56123456", file="b.jpg")]))
    assert (r.status, r.reason) == ("fail", "two_vehicles")


def test_front_and_back_of_one_card_pass_but_two_cards_warn() -> None:
    back = identity(file="back.jpg", with_mrz=False)
    assert document_types(context(documents=[identity(), back, registration()])).status == "pass"
    other = identity(file="passport.jpg", doc_type="passport", document_number="18AB12345")
    r = document_types(context(documents=[identity(), other, registration()]))
    assert (r.status, r.reason) == ("warn", "several_identities")


def test_all_read_with_confidence_passes() -> None:
    assert documents_readable(context()).status == "pass"


def test_rejected_and_unreadable_files_fail_and_are_named() -> None:
    rejected = ExtractionResult(file="x.exe", status="rejected",
                                error=RejectionInfo("unsupported_type", "not an image"))
    unreadable = ExtractionResult(file="black.jpg", status="unreadable")
    r = documents_readable(context(documents=[identity(), registration(), rejected, unreadable]))
    assert r.status == "fail"
    assert "File x.exe was refused (unsupported_type)" in r.detail
    assert "black.jpg" in r.detail
    assert r.detail[0].isupper()


def test_missing_required_field_fails_with_its_name() -> None:
    r = documents_readable(context(documents=[identity(), registration(vin=None)]))
    assert r.status == "fail"
    assert "vin (carte-grise.jpg)" in r.detail


def test_low_confidence_warns() -> None:
    low = registration()
    low.fields["vin"] = Field(value=low.fields["vin"].value, confidence=0.3, page=1)
    r = documents_readable(context(documents=[identity(), low]))
    assert (r.status, r.reason) == ("warn", "low_confidence")
    assert "vin" in r.detail
    strict = CheckSettings(readable_confidence=0.99)
    assert documents_readable(context(settings=strict)).status == "warn"


def test_poor_photo_read_fully_warns() -> None:
    poor = identity()
    poor.quality = QualityVerdict(acceptable=False, problems=["blurry"])
    r = documents_readable(context(documents=[poor, registration()]))
    assert (r.status, r.reason) == ("warn", "poor_quality")
