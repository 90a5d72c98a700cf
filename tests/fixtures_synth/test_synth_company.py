"""The company option of the synthetic generator: a French company with valid identifiers, held
registrations that print it in C.1, and the rest of a set left as it was."""

from __future__ import annotations

import json
import random
from pathlib import Path

from stdnum.fr import siren as fr_siren
from stdnum.fr import tva as fr_tva

from fixtures.synth.__main__ import generate_one
from fixtures.synth.company import make_company

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample"
SAMPLE_SIZES = {"scene_long_side": 1600, "sheet_dpi": 200.0}  # as fixtures/sample/README.md


def test_companies_have_a_valid_siren_and_its_vat_number() -> None:
    rng = random.Random(7)
    for _ in range(50):
        company = make_company(rng)
        assert fr_siren.is_valid(company.siren)
        assert fr_tva.is_valid(company.vat_number) and company.vat_number[4:] == company.siren
        words = company.name.split()
        assert {words[0], words[-1]} & {"SARL", "SAS", "SASU", "EURL"}  # legal form first or last


def test_company_held_registration_gives_the_company_as_holder() -> None:
    _, _, truth = generate_one(13, 21, company_holder=True, **SAMPLE_SIZES)
    assert truth["country"] == "FRA" and truth["family"] == "registration"
    assert truth["fields"]["holder_name"] == truth["company"]["name"]
    assert fr_siren.is_valid(truth["company"]["siren"])


def test_committed_company_pair_comes_from_the_generator() -> None:
    for index in (12, 13):
        data, extension, truth = generate_one(index, 21, company_holder=True, **SAMPLE_SIZES)
        stem = f"{index:04d}-{truth['family']}-{truth['difficulty']}"
        assert (SAMPLE / f"{stem}.{extension}").read_bytes() == data
        committed = json.loads((SAMPLE / f"{stem}.json").read_text(encoding="utf-8"))
        assert committed == {**truth, "file": f"{stem}.{extension}"}


def test_without_the_option_a_set_is_unchanged() -> None:
    data, _, truth = generate_one(1, 13, **SAMPLE_SIZES)
    assert "company" not in truth
    assert (SAMPLE / "0001-registration-clean.pdf").read_bytes() == data
