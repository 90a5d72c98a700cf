from __future__ import annotations

import pytest
from sqlalchemy import select

from coc_service.accounts.tokens import (
    authenticate,
    create_account_token,
    hash_token,
    list_account_tokens,
    revoke,
)
from coc_service.db import ApiToken, User
from coc_service.db.accounts import AccountStatus
from tests.web.api.api_helpers import bearer, place_order

pytestmark = pytest.mark.db


def test_account_tokens_are_stored_hashed_and_revocable(runtime) -> None:  # type: ignore[no-untyped-def]
    session = runtime.db.session()
    alice, bob = User(email="alice@example.fr"), User(email="bob@example.fr")
    session.add_all([alice, bob])
    session.flush()
    row, clear = create_account_token(session, alice, name="  my script  ")
    assert clear.startswith("coca_") and len(clear) > 40 and row.name == "my script"
    stored = session.scalars(select(ApiToken.token_hash).where(ApiToken.id == row.id)).one()
    assert stored == hash_token(clear) and clear not in stored
    assert row.last_used_at is None
    assert authenticate(session, clear) is row and row.last_used_at is not None
    assert authenticate(session, clear[:-1]) is None
    assert authenticate(session, "") is None and authenticate(session, None) is None
    assert [t.id for t in list_account_tokens(session, alice)] == [row.id]
    assert not revoke(session, row.id, user=bob)  # not bob's token
    assert revoke(session, row.id, user=alice)
    assert not revoke(session, row.id, user=alice)
    assert authenticate(session, clear) is None
    assert list_account_tokens(session, alice) == []
    session.close()


def test_deactivated_account_token_is_refused(api, runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as s:
        user = User(email="partner2@example.fr")
        s.add(user)
        s.flush()
        _row, token = create_account_token(s, user)
        user_id = user.id
    created = place_order(api, **bearer(token))
    assert api.get(f"/api/v1/orders/{created['id']}", headers=bearer(token)).status_code == 200
    with runtime.db.transaction() as s:
        s.get(User, user_id).status = AccountStatus.DEACTIVATED.value
    assert api.get(f"/api/v1/orders/{created['id']}", headers=bearer(token)).status_code == 401
    r = api.post("/api/v1/orders", json={}, headers=bearer(token))
    assert r.status_code == 401
