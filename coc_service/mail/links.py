"""Signed links to an order for guests: the token carries the order id only, nothing personal.

Pure (itsdangerous only) so that the mail job, outside any request, builds the same links as the
pages check.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

_SALT = "coc-order-link"
#: a link in an e-mail keeps working for the life of an order and a while after
LINK_MAX_AGE_S = 400 * 24 * 3600


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def order_link_token(secret_key: str, order_id: str) -> str:
    """Return a signed, timestamped token that opens one order."""
    return str(_serializer(secret_key).dumps({"o": order_id}))


def read_order_link_token(secret_key: str, token: str,
                          max_age_s: int = LINK_MAX_AGE_S) -> str | None:
    """Return the order id a token opens, or None when forged, altered or expired."""
    if not token or len(token) > 300:
        return None
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age_s)
    except BadSignature:
        return None
    order_id = data.get("o") if isinstance(data, dict) else None
    return order_id if isinstance(order_id, str) else None


_RESET_SALT = "coc-password-reset"
#: a password-reset link works for one hour, and once
RESET_MAX_AGE_S = 3600


def account_fingerprint(password_hash: str | None, session_version: int) -> str:
    """Return what a reset token is bound to: it changes when the password is reset."""
    import hashlib

    return hashlib.sha256(f"{password_hash or ''}|{session_version}".encode()).hexdigest()[:20]


def password_reset_token(secret_key: str, user_id: str, fingerprint: str) -> str:
    """Return a signed, expiring token to reset one account's password once."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)
    return str(serializer.dumps({"u": user_id, "f": fingerprint}))


def read_password_reset_token(secret_key: str, token: str,
                              max_age_s: int = RESET_MAX_AGE_S) -> tuple[str, str] | None:
    """Return (user id, fingerprint) of a valid reset token, or None."""
    if not token or len(token) > 300:
        return None
    try:
        data = URLSafeTimedSerializer(secret_key, salt=_RESET_SALT).loads(token, max_age=max_age_s)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str):
        return None
    return data["u"], str(data.get("f", ""))

