"""The holder's name composed from its parts (C.1.1 + C.1.2) when C.1 is missing or doubtful."""

from __future__ import annotations

from coc_service.documents.registration.crosscheck import compose_holder_name
from coc_service.documents.types import Field


def _fields(**values: tuple[str, float]) -> dict[str, Field]:
    return {name: Field(value, confidence, 1, (10 * i, 5, 40, 12))
            for i, (name, (value, confidence)) in enumerate(values.items())}


def test_composed_when_c1_is_absent() -> None:
    fields = _fields(holder_surname=("LEFÈVRE", 0.7), holder_given_names=("HÉLÈNE", 0.65))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEFÈVRE HÉLÈNE"
    assert fields["holder_name"].confidence == 0.65
    assert fields["holder_name"].box == (0, 5, 50, 12)


def test_a_doubtful_stray_c1_gives_way_to_the_parts() -> None:
    fields = _fields(holder_name=("KK", 0.38), holder_surname=("LEFÈVRE", 0.7),
                     holder_given_names=("HÉLÈNE", 0.65))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEFÈVRE HÉLÈNE"


def test_a_c1_holding_the_surname_is_kept() -> None:
    fields = _fields(holder_name=("LEFÈVRE HÉLÈNE MARIE", 0.5), holder_surname=("LEFÈVRE", 0.7))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEFÈVRE HÉLÈNE MARIE"


def test_the_owner_never_replaces_a_holder_read_under_c1() -> None:
    fields = _fields(holder_name=("LEASYS SPA", 0.5), owner_surname=("ROSSI", 0.9),
                     owner_given_names=("MARIO", 0.9))
    compose_holder_name(fields)
    assert fields["holder_name"].value == "LEASYS SPA"
