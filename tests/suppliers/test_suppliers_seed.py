"""The demo seed gives every demo supplier one portal account, and only one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from coc_service.cli.seed import seed_demo
from coc_service.db.accounts import Role, User
from coc_service.db.suppliers import Supplier
from coc_service.suppliers.catalogue import DEMO_SUPPLIERS

pytestmark = pytest.mark.db


def _portal_accounts(runtime: Any) -> dict[str, list[str]]:
    session = runtime.db.session()
    rows = session.execute(
        select(Supplier.code, User.email).join(User, User.supplier_id == Supplier.id)
        .where(User.role == Role.SUPPLIER.value)).all()
    found: dict[str, list[str]] = {}
    for code, email in rows:
        found.setdefault(code, []).append(email)
    return found


def test_one_portal_account_per_demo_supplier(runtime: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from coc_service.cli import seed

    monkeypatch.setattr(seed, "hash_password", lambda password: "not-a-real-hash")
    for _ in range(2):  # idempotent
        with runtime.db.transaction() as session:
            seed_demo(session)
    accounts = _portal_accounts(runtime)
    assert set(accounts) == {code for code, _name, _email in DEMO_SUPPLIERS}
    assert accounts["euro-coc"] == ["portail@euro-coc.example"]
    assert all(len(emails) == 1 for emails in accounts.values())
