"""Who is logged in: a small session-based login that a deactivation or a version bump ends.

The session cookie carries only the user id and the account's session_version. Every request
loads the user again; a deactivated account, or a session_version bumped since login (password
change, "log out everywhere", deactivation), ends the session at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from coc_service.db.accounts import Role, User
from coc_service.db.base import utcnow
from coc_service.web.context import db_session

F = TypeVar("F", bound=Callable[..., Any])

STAFF_ROLES = frozenset({Role.STAFF.value, Role.ADMIN.value})
# what survives a login or a logout: only the visitor's language (login keeps an order in
# progress explicitly, see accounts.login)
_KEPT_KEYS = ("lang",)


def current_user() -> User | None:
    """Return the logged-in, active user of this request, or None."""
    if "current_user" not in g:
        g.current_user = _load_user()
    user: User | None = g.current_user
    return user


def _load_user() -> User | None:
    user_id = session.get("uid")
    if not user_id:
        return None
    user = db_session().get(User, user_id)
    if user is None or not user.is_active or user.session_version != session.get("sv"):
        _reset_session()
        return None
    return user


def _reset_session() -> None:
    kept = {key: session[key] for key in _KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)


def login_user(user: User) -> None:
    """Start a fresh session for `user` (no state of the anonymous visit carried over)."""
    _reset_session()
    session["uid"] = user.id
    session["sv"] = user.session_version
    session.permanent = False
    user.last_login_at = utcnow()
    g.current_user = user


def logout_user() -> None:
    _reset_session()
    g.current_user = None


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page, then back here."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            session["after_login"] = request.path
            return redirect(url_for("accounts.login"))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def role_required(allowed: Callable[[User], bool]) -> Callable[[F], F]:
    """Return a decorator that sends anonymous visitors to the login page and answers 404 to
    anyone `allowed` refuses, so that a page for one role does not show to the others."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                session["after_login"] = request.path
                return redirect(url_for("accounts.login"))
            if not allowed(user):
                abort(404)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


#: staff and admins only (the back office)
staff_required = role_required(lambda user: user.role in STAFF_ROLES)


def init_auth(app: Flask) -> None:
    """Make `current_user` available to every template."""

    @app.context_processor
    def _inject_user() -> dict[str, Any]:
        user = current_user()
        return {"current_user": user, "is_staff": _is_staff(),
                "is_supplier": user is not None and user.role == Role.SUPPLIER.value}

    @app.after_request
    def _no_store_for_people(response: Response) -> Response:
        # pages with someone's data must not sit in shared caches or the back-forward cache
        if request.endpoint == "static":
            return response
        if session.get("uid") or session.get("guest_orders") or session.get("draft"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _is_staff() -> bool:
    user = current_user()
    return user is not None and user.role in STAFF_ROLES
