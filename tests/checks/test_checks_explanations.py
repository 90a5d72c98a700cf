from __future__ import annotations

from check_builders import identity, order, registration

from coc_service.checks.catalogue import run_checks
from coc_service.checks.explanations import _TEXTS, explain, explain_all
from coc_service.checks.results import result


def test_typo_is_explained_in_both_languages() -> None:
    results = run_checks(order(vin="VF3LBBHZHKS123457"), [identity(), registration()])
    typo = next(r for r in results if r.name == "vin_match")
    text = explain(typo)
    assert text is not None
    assert "diffère d'un caractère" in text.fr and "one character" in text.en
    assert not text.upload_again


def test_unreadable_documents_ask_for_a_new_upload() -> None:
    text = explain(result("documents_readable", "fail", "unreadable", "x", "x"))
    assert text is not None and text.upload_again


def test_passes_and_staff_only_signals_have_no_customer_text() -> None:
    assert explain(result("vin_match", "pass", "ok", "x", "x")) is None
    assert explain(result("duplicate_vin", "warn", "vin_in_other_order", "x", "x")) is None


def test_explain_all_drops_repeats() -> None:
    checks = [result("documents_readable", "fail", "unreadable", "x", "x")] * 2
    assert len(explain_all(checks)) == 1


def test_every_text_is_filled_in_both_languages() -> None:
    for (name, reason), text in _TEXTS.items():
        assert text.fr.strip() and text.en.strip(), (name, reason)
        assert text.fr != text.en
