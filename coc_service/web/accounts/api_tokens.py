"""API tokens of an account: create (shown once), list, revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from coc_service.accounts.tokens import create_account_token, list_account_tokens, revoke
from coc_service.web.accounts import bp
from coc_service.web.accounts.auth import current_user, login_required
from coc_service.web.context import db_session


@bp.get("/jetons")
@login_required
def tokens() -> str:
    user = current_user()
    assert user is not None
    return render_template("accounts/tokens.html",
                           tokens=list_account_tokens(db_session(), user), new_token=None)


@bp.post("/jetons")
@login_required
def create_token() -> str:
    user = current_user()
    assert user is not None
    db = db_session()
    name = request.form.get("name", "").strip()[:100] or _("Jeton API")
    _row, clear = create_account_token(db, user, name=name)
    db.commit()
    # shown once, in this answer only (never kept in the session cookie); then only its name
    # and dates remain visible
    return render_template("accounts/tokens.html", tokens=list_account_tokens(db, user),
                           new_token=clear)


@bp.post("/jetons/<token_id>/revoquer")
@login_required
def revoke_token(token_id: str) -> Response:
    user = current_user()
    assert user is not None
    db = db_session()
    if not revoke(db, token_id[:36], user=user):
        abort(404)  # unknown, already revoked, or another account's: all look the same
    db.commit()
    flash(_("Le jeton est révoqué : il ne permet plus aucun appel."), "success")
    return redirect(url_for("accounts.tokens"), code=303)
