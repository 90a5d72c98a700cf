from __future__ import annotations

import json

import pytest
from check_builders import identity, order, registration

from coc_service.checks import catalogue
from coc_service.checks.catalogue import CHECK_NAMES, run_checks
from coc_service.checks.context import CheckContext
from coc_service.checks.order_facts import OrderError
from coc_service.checks.results import CheckResult, result
from coc_service.checks.triage import (
    DEFAULT_POLICY,
    REQUIRED_CHECKS,
    TriagePolicy,
    triage,
)

CONTRACT_ORDER = {
    "customer": {"first_name": "Jean", "last_name": "Dupont", "email": "jean@example.fr",
                 "phone": "+33612345678", "company_name": None, "siren": None,
                 "vat_number": None},
    "vehicle": {"vin": "VF3LBBHZHKS123456", "first_registration_date": "2018-03-15",
                "make": "Peugeot"},
    "submitted_at": "2026-11-22",
}


def test_catalogue_holds_every_contract_check_once() -> None:
    assert set(REQUIRED_CHECKS) <= set(CHECK_NAMES)
    assert len(CHECK_NAMES) == len(set(CHECK_NAMES))
    for name in ("vin_valid", "coc_eligible", "registration_holder_match", "contact_valid",
                 "duplicate_vin", "duplicate_identity"):
        assert name in CHECK_NAMES


def test_consistent_order_is_auto_approved() -> None:
    results = run_checks(order(), [identity(), registration()])
    assert [r.name for r in results] == list(CHECK_NAMES)
    assert {r.status for r in results} <= {"pass", "skip"}, [
        (r.name, r.detail) for r in results if r.status not in ("pass", "skip")]
    decision = triage(results)
    assert decision.outcome == "auto_approved" and decision.reasons == ()


def test_run_checks_takes_order_json_and_extract_json() -> None:
    docs = [identity().to_json(), registration().to_json()]
    results = run_checks(CONTRACT_ORDER, docs)
    assert triage(results).outcome == "auto_approved"
    with pytest.raises(OrderError):
        run_checks({"customer": {}}, docs)


def test_a_failing_check_flags_with_its_reason() -> None:
    results = run_checks(order(vin="VF3LBBHZHKS123457"), [identity(), registration()])
    decision = triage(results)
    assert decision.outcome == "flagged"
    assert [r.name for r in decision.reasons] == ["vin_match"]
    assert decision.reasons[0].reason == "vin_typo"


def test_default_policy_warns() -> None:
    def check(name: str, status: str) -> CheckResult:
        return result(name, status, "x", "x", "x")  # type: ignore[arg-type]

    base = [check(n, "pass") for n in REQUIRED_CHECKS]
    for name in ("registration_holder_match", "contact_valid", "documents_readable"):
        assert triage([*base, check(name, "warn")]).outcome == "auto_approved"
    for name in ("duplicate_vin", "duplicate_identity", "name_match", "make_match",
                 "vin_valid", "id_not_expired", "coc_eligible"):
        assert triage([*base, check(name, "warn")]).outcome == "flagged", name
    for name in CHECK_NAMES:
        assert DEFAULT_POLICY.action(check(name, "fail")) == "flag"
        assert DEFAULT_POLICY.action(check(name, "skip")) == "pass"


def test_missing_contract_checks_flag() -> None:
    decision = triage([])
    assert decision.outcome == "flagged"
    assert decision.reasons[0].reason == "missing_checks"


def test_policy_from_dict_overrides_defaults() -> None:
    policy = TriagePolicy.from_dict({"checks": {"registration_holder_match": {"warn": "flag"},
                                                "duplicate_vin": {"warn": "pass"}}})
    warn = result("registration_holder_match", "warn", "x", "x", "x")
    assert policy.action(warn) == "flag"
    assert policy.action(result("duplicate_vin", "warn", "x", "x", "x")) == "pass"
    assert policy.action(result("contact_valid", "warn", "x", "x", "x")) == "pass"  # default kept
    again = TriagePolicy.from_dict(json.loads(json.dumps(policy.to_dict())))
    assert again == policy


def test_policy_default_section() -> None:
    policy = TriagePolicy.from_dict({"default": {"warn": "pass"}})
    assert policy.action(result("make_match", "warn", "x", "x", "x")) == "pass"
    assert policy.action(result("make_match", "fail", "x", "x", "x")) == "flag"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"checks": {"no_such_check": {"warn": "pass"}}}, "no such check"),
        ({"checks": {"vin_match": {"warn": "ignore"}}}, "must be 'flag' or 'pass'"),
        ({"checks": {"vin_match": {"skip": "flag"}}}, "only 'fail' and 'warn'"),
        ({"rules": {}}, "unknown key"),
        ({"checks": ["vin_match"]}, "must be an object"),
    ],
)
def test_policy_validation(data: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        TriagePolicy.from_dict(data)


def test_a_check_that_raises_fails_instead_of_approving(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: CheckContext) -> CheckResult:
        raise RuntimeError("bug")

    patched = tuple((n, broken if n == "make_match" else c) for n, c in catalogue.CATALOGUE)
    monkeypatch.setattr(catalogue, "CATALOGUE", patched)
    results = run_checks(order(), [identity(), registration()])
    broken_result = next(r for r in results if r.name == "make_match")
    assert (broken_result.status, broken_result.reason) == ("fail", "internal_error")
    assert triage(results).outcome == "flagged"


def test_lookup_errors_propagate_for_the_job_to_retry() -> None:
    class DownLookup:
        def other_open_orders_with_vin(self, vin: str) -> list[str]:
            raise ConnectionError("database gone")

        def other_customers_with_identity(self, doc_number: str) -> list[str]:
            return []

    with pytest.raises(ConnectionError):
        run_checks(order(), [identity(), registration()], duplicates=DownLookup())


def test_results_serialise_to_the_contract_shape() -> None:
    payload = [r.to_json() for r in run_checks(order(), [identity(), registration()])]
    json.dumps(payload)
    first = payload[0]
    assert {"name", "status", "detail"} <= set(first)
    assert first["detail_fr"] and isinstance(first["evidence"], list)
    vin = next(p for p in payload if p["name"] == "vin_match")
    assert vin["evidence"][1]["box"] == [10, 220, 300, 30]
    assert vin["evidence"][1]["file"] == "carte-grise.jpg"
