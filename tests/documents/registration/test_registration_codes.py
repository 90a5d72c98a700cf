"""The code finder: EU registration codes recognised through OCR noise."""

from __future__ import annotations

import pytest

from coc_service.documents.registration.codes import is_code_like, parse_code


def _codes(token: str) -> list[str]:
    return [hit.code for hit in parse_code(token)]


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("D.1", "D.1"), ("D1", "D.1"), ("D,1", "D.1"), ("0.1", "D.1"), ("[D.1]", "D.1"),
        ("D.l", "D.1"), ("C.1.1", "C.1.1"), ("C11", "C.1.1"), ("C.1L1", "C.1.1"), ("c.3]", "C.3"),
        ("E", "E"), ("A]", "A"), ("fB]", "B"), ("P.1]", "P.1"), ("P.L", "P.1"), ("x.1]", "X.1"),
        ("[V.9", "V.9"), ("C.4a", "C.4a"), ("C.1:2", "C.1.2"), ("D.2.1", "D.2.1"), ("D21", "D.2.1"),
        ("1.2]", "J.2"), ("F1]", "F.1"), ("Si]", "S.1"), ("[K|", "K"), ("C-12", "C.1.2"),
        ("b.1", "D.1"), ("p.3", "D.3"), ("p.3", "P.3"),
    ],
)
def test_noisy_code_tokens_are_recognised(token: str, code: str) -> None:
    assert code in _codes(token)


@pytest.mark.parametrize("token", ["GO", "EL", "VOLVO", "12/11/2014", "e2*2007/46*0534*12", "AB"])
def test_values_are_not_taken_for_codes(token: str) -> None:
    assert _codes(token) == []


def test_exact_print_is_cheaper_than_a_repaired_one() -> None:
    exact = parse_code("D.1")[0]
    noisy = parse_code("0.1")[0]
    assert exact.cost == 0
    assert noisy.cost > exact.cost


def test_value_glued_after_a_closing_mark_is_kept() -> None:
    (hit,) = [h for h in parse_code("A]AB-123-CD") if h.code == "A"]
    assert hit.rest == "AB-123-CD"


def test_code_like_ends_a_value_only_when_printed_clearly() -> None:
    assert is_code_like("D.3")
    assert not is_code_like("CI")  # the body code "CI" reads like C.1 only at a cost
    assert not is_code_like("TIPO")


def test_the_small_letter_of_a_code_read_as_a_capital() -> None:
    assert [h.code for h in parse_code("C4A")] == ["C.4a"]
    assert parse_code("C4A")[0].cost > parse_code("C4a")[0].cost


def test_value_glued_with_a_hyphen_after_a_dotted_code() -> None:
    (hit,) = [h for h in parse_code("D-3-V60") if h.code == "D.3"]
    assert hit.rest == "V60"
    assert not [h for h in parse_code("AB-123-CD") if h.rest]  # a plate is no code
