"""The order flow's state between pages: the draft's idempotency key, its id, the vehicle step.

Nothing personal travels in a URL. Before the draft order exists, what the vehicle step
collected is kept in the session cookie encrypted (Fernet, a key derived from the app secret),
so the cookie never shows a VIN or a plate in clear. Once the draft exists, the database holds
everything and the session keeps only the draft's id and key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session
from werkzeug.datastructures import MultiDict

DRAFT = "draft"
# the draft flow is abandoned after this long without a step (the draft stays for retention)
_VEHICLE_TTL_S = 24 * 3600


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    key = hashlib.sha256(b"coc-shop-draft\x00" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def draft_state() -> dict[str, Any]:
    """Return this visitor's flow state, creating its idempotency key on first use."""
    state = session.get(DRAFT)
    if not isinstance(state, dict) or "key" not in state:
        state = {"key": secrets.token_urlsafe(24)}
        session[DRAFT] = state
    return state


def draft_order_id() -> str | None:
    state = session.get(DRAFT)
    return state.get("order_id") if isinstance(state, dict) else None


def remember_draft(order_id: str) -> None:
    state = draft_state()
    state["order_id"] = order_id
    state.pop("vehicle", None)  # the database holds it now
    session[DRAFT] = state
    session.modified = True


def forget_draft() -> None:
    """End the flow (after submission): the next order starts with a new key."""
    session.pop(DRAFT, None)


def save_vehicle(values: Mapping[str, str]) -> None:
    state = draft_state()
    token = _fernet().encrypt(json.dumps(dict(values)).encode("utf-8"))
    state["vehicle"] = token.decode("ascii")
    session[DRAFT] = state
    session.modified = True


def saved_vehicle() -> dict[str, str]:
    """Return the vehicle step's values kept before the draft existed ({} if none or stale)."""
    state = session.get(DRAFT)
    token = state.get("vehicle") if isinstance(state, dict) else None
    if not token:
        return {}
    try:
        raw = _fernet().decrypt(token.encode("ascii"), ttl=_VEHICLE_TTL_S)
    except InvalidToken:
        return {}
    data = json.loads(raw)
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def flat_form(form: MultiDict[str, str], prefixes: tuple[str, ...]) -> dict[str, str]:
    """Return the submitted fields whose dotted name starts with one of `prefixes`."""
    return {
        key: value.strip()
        for key, value in form.items()
        if key.startswith(prefixes) and key != "csrf_token"
    }


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Return {"a": {"b": v}} for {"a.b": v}: the order input's shape from dotted field names."""
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return tree


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Return dotted names for a nested mapping (the reverse of `nest`), values as text."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, path + "."))
        elif value is not None:
            flat[path] = "1" if value is True else "" if value is False else str(value)
    return flat
