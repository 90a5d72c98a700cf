from __future__ import annotations

from coc_service.vehicles.makes import all_makes
from coc_service.vehicles.wmi import (
    _table,
    known_wmi,
    make_for_vin,
    make_for_wmi,
    makes_for_wmi,
    wmi_count,
)


def test_french_and_european_wmis() -> None:
    assert make_for_vin("VF1RFB00X56123456") == "Renault"
    assert make_for_vin("VF3LBBHZHKS123456") == "Peugeot"
    assert make_for_vin("UU1DJF00X61234567") == "Dacia"
    assert make_for_vin("WVWZZZ1KZ8W123456") == "Volkswagen"
    assert make_for_vin("TMBJJ7NE5H0123456") == "Škoda"
    assert make_for_vin("ZFA31200000123456") == "Fiat"


def test_shared_wmis_list_every_brand() -> None:
    assert makes_for_wmi("VF7") == {"Citroën", "DS"}
    assert makes_for_wmi("VSS") == {"Seat", "Cupra"}
    assert makes_for_wmi("ZFA") >= {"Fiat", "Abarth"}
    assert make_for_vin("VSSZZZ5FZKR123456") == "Seat"  # the main brand first


def test_unknown_wmi() -> None:
    assert makes_for_wmi("ZZZ") == set()
    assert make_for_vin("ZZZ12345678901234") is None
    assert make_for_wmi("ZZZ") is None
    assert not known_wmi("ZZZ")
    assert known_wmi("vf1")


def test_table_is_broad_and_uses_canonical_makes() -> None:
    assert wmi_count() >= 300
    makes = set(all_makes())
    assert all(set(m) <= makes for m in _table().values())
    assert all(len(code) == 3 for code in _table())
