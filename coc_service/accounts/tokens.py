"""Bearer tokens for the API: an account's (made on the account page) or one order's.

Only a token's SHA-256 is stored; the clear token is shown once, when it is created. A token is
long and random, so a plain hash (no salt, no slow KDF) is the right tool: it cannot be guessed,
and the hash lets the database find it by an indexed equality lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db.accounts import AccountStatus, ApiToken, User
from coc_service.db.base import utcnow
from coc_service.db.orders import Order

#: prefixes tell a leaked token's kind at a glance (and let secret scanners spot it)
ACCOUNT_PREFIX = "coca_"
ORDER_PREFIX = "coco_"
# last_used_at is informative: write it at most this often, not on every request
_LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 under which `token` is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def create_account_token(session: Session, user: User, *, name: str = "") -> tuple[ApiToken, str]:
    """Return (the stored row, the clear token) of a new API token of `user`'s account."""
    clear = _new_token(ACCOUNT_PREFIX)
    row = ApiToken(token_hash=hash_token(clear), user_id=user.id, name=name.strip()[:100],
                   created_at=utcnow())
    session.add(row)
    session.flush()
    return row, clear


def create_order_token(session: Session, order: Order) -> tuple[ApiToken, str]:
    """Return (the stored row, the clear token) of a token that opens this one order only."""
    clear = _new_token(ORDER_PREFIX)
    row = ApiToken(token_hash=hash_token(clear), order_id=order.id, name="order access",
                   created_at=utcnow())
    session.add(row)
    session.flush()
    return row, clear


def list_account_tokens(session: Session, user: User) -> list[ApiToken]:
    """Return the account's tokens not revoked, newest first (never their clear value)."""
    stmt = (select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc()))
    return list(session.scalars(stmt))


def revoke(session: Session, token_id: str, *, user: User | None = None) -> bool:
    """Revoke a token; with `user`, only one of that account's. Return whether one was revoked."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    if user is not None and row.user_id != user.id:
        return False
    row.revoked_at = utcnow()
    session.flush()
    return True


def revoke_order_tokens(session: Session, order: Order) -> int:
    """Revoke every access token of one order (e.g. when the order is erased); return how many."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.order_id == order.id, ApiToken.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    return len(rows)


def authenticate(session: Session, token: str | None) -> ApiToken | None:
    """Return the live token row for a clear bearer token, or None.

    Refused: unknown, revoked, an account that is not active, an order held only for legal
    archive. The final comparison is constant-time.
    """
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None:
        return None
    if row.user_id is not None:
        user = session.get(User, row.user_id)
        if user is None or user.status != AccountStatus.ACTIVE.value:
            return None
    if row.order_id is not None:
        order = session.get(Order, row.order_id)
        if order is None or order.restricted:
            return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_PRECISION:
        row.last_used_at = now
    return row


def token_user(session: Session, row: ApiToken) -> User | None:
    """Return the account an account token belongs to (None for an order token)."""
    return session.get(User, row.user_id) if row.user_id else None


def token_opens_order(row: ApiToken, order: Order) -> bool:
    """Whether `row` authorises calls on `order`: its own order token, or its owner's token."""
    if row.order_id is not None:
        return row.order_id == order.id
    return row.user_id is not None and order.user_id == row.user_id
