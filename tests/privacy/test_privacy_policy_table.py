"""The retention table: the defaults of issue 5, overrides from configuration, validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coc_service.config import settings_from_env
from coc_service.errors import ConfigError
from coc_service.privacy.policy import (
    DEFAULT_POLICY,
    Action,
    Anchor,
    Period,
    load_policy,
    policy_from_mapping,
)


def test_defaults_are_the_issue_s_table() -> None:
    table = {r.key: (r.anchor, str(r.keep_for), r.action) for r in DEFAULT_POLICY}
    assert table == {
        "draft_orders": (Anchor.LAST_ACTIVITY, "7d", Action.DELETE_ROW),
        "supplier_bundles": (Anchor.SUPPLIER_ACKNOWLEDGED, "7d", Action.ERASE),
        "scans": (Anchor.ORDER_CLOSED, "30d", Action.ERASE),
        "identity_data": (Anchor.ORDER_CLOSED, "30d", Action.REDUCE),
        "closed_account_orders": (Anchor.ORDER_CLOSED, "0d", Action.RESTRICT),
        "certificates": (Anchor.CERTIFICATE_DELIVERED, "1y", Action.ERASE),
        "customer_accounts": (Anchor.LAST_ORDER_OR_CONTACT, "3y", Action.REDUCE),
        "order_records": (Anchor.FISCAL_YEAR_END, "10y", Action.DELETE_ROW),
        "audit_events": (Anchor.RECORDED, "1y", Action.DELETE_ROW),
    }
    assert "L123-22" in next(r.why for r in DEFAULT_POLICY if r.key == "order_records")
    assert all(r.why and r.keeps for r in DEFAULT_POLICY)


def test_periods() -> None:
    assert Period.parse("10y") == Period(years=10)
    assert Period.parse("1y6m") == Period(1, 6, 0)
    assert Period.parse(" 30D ") == Period(days=30)
    leap = datetime(2024, 2, 29, tzinfo=UTC)
    assert Period(years=1).after(leap) == datetime(2025, 2, 28, tzinfo=UTC)
    for bad in ("", "30", "-3d", "3w", "y", None, 30):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_durations_can_be_overridden_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "retention.json"
    path.write_text(json.dumps({"scans": "45d", "audit_events": {"keep_for": "6m"}}))
    settings = settings_from_env({"COC_RETENTION_POLICY_FILE": str(path)})
    policy = load_policy(settings.retention_policy_file)
    assert str(policy.rule("scans").keep_for) == "45d"
    assert policy.rule("audit_events").keep_for == Period(months=6)
    assert policy.rule("certificates").keep_for == Period(years=1)  # untouched rows stay
    assert policy.rule("scans").why == next(r.why for r in DEFAULT_POLICY if r.key == "scans")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"scanz": "30d"}, "unknown row 'scanz'"),
    ({"scans": "soon"}, "scans: 'soon' is not a duration"),
    ({"order_records": "5y"}, "order_records: the law requires at least 10y"),
    ({"scans": {"keep_for": "3d", "action": "keep"}}, "only keep_for may be changed"),
])
def test_invalid_overrides_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        policy_from_mapping(overrides)
    assert message in str(caught.value)


def test_unreadable_policy_file_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "retention.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError) as caught:
        settings_from_env({"COC_RETENTION_POLICY_FILE": str(path)})
    assert "COC_RETENTION_POLICY_FILE" in str(caught.value)
