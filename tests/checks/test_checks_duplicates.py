from __future__ import annotations

from check_builders import VIN, context, identity, registration

from coc_service.checks.duplicates import duplicate_identity, duplicate_vin


class FakeLookup:
    def __init__(self, vins: dict[str, list[str]], ids: dict[str, list[str]]) -> None:
        self.vins, self.ids = vins, ids
        self.asked: list[str] = []

    def other_open_orders_with_vin(self, vin: str) -> list[str]:
        self.asked.append(vin)
        return self.vins.get(vin, [])

    def other_customers_with_identity(self, doc_number: str) -> list[str]:
        self.asked.append(doc_number)
        return self.ids.get(doc_number, [])


def test_without_lookup_both_skip() -> None:
    assert duplicate_vin(context()).status == "skip"
    assert duplicate_identity(context()).status == "skip"


def test_no_duplicates_pass_and_the_normalised_vin_is_asked() -> None:
    lookup = FakeLookup({}, {})
    assert duplicate_vin(context(duplicates=lookup)).status == "pass"
    assert duplicate_identity(context(duplicates=lookup)).status == "pass"
    assert lookup.asked == [VIN, "X4RTBPFW4"]


def test_duplicates_warn_with_references() -> None:
    lookup = FakeLookup({VIN: ["COC-2026-0042"]}, {"X4RTBPFW4": ["COC-2026-0007"]})
    r = duplicate_vin(context(duplicates=lookup))
    assert (r.status, r.reason) == ("warn", "vin_in_other_order")
    assert "COC-2026-0042" in r.detail
    r = duplicate_identity(context(duplicates=lookup))
    assert (r.status, r.reason) == ("warn", "identity_in_other_order")
    assert "COC-2026-0007" in r.detail_fr


def test_no_document_number_skips() -> None:
    ctx = context(documents=[identity(document_number=None), registration()],
                  duplicates=FakeLookup({}, {}))
    assert duplicate_identity(ctx).status == "skip"
