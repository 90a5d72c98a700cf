"""Register, log in, log out, and reset a forgotten password by e-mail."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from coc_service.accounts.passwords import hash_password, needs_rehash, verify_password
from coc_service.db.accounts import AccountStatus, Role, User
from coc_service.db.base import utcnow
from coc_service.mail.links import account_fingerprint, read_password_reset_token
from coc_service.mail.outbox import queue_mail
from coc_service.orders.rules import check_email
from coc_service.web.accounts import bp
from coc_service.web.accounts.auth import STAFF_ROLES, current_user, login_user, logout_user
from coc_service.web.accounts.ratelimit import limiter_key, reset, too_many
from coc_service.web.context import db_session, runtime
from coc_service.web.i18n import current_language, safe_next

MIN_PASSWORD = 10
WINDOW_S = 15 * 60
RESET_SESSION_KEY = "reset_token"


def password_problem(password: str, confirm: str | None = None) -> str | None:
    if len(password) < MIN_PASSWORD:
        return _("Choisissez un mot de passe d'au moins %(n)d caractères.", n=MIN_PASSWORD)
    if len(password) > 256:
        return _("Ce mot de passe est trop long.")
    if confirm is not None and password != confirm:
        return _("Les deux mots de passe ne sont pas identiques.")
    return None


def find_user(email: str) -> User | None:
    return db_session().scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())).first()


def _limited(purpose: str, email: str = "") -> bool:
    """Count an attempt by client address and, if given, by account; True when over the limit."""
    rt = runtime()
    limit = rt.settings.rate_limit_login_per_15min
    by_ip = too_many(rt.redis, purpose, limiter_key("ip", request.remote_addr or ""), limit * 3,
                     WINDOW_S)
    by_account = bool(email) and too_many(rt.redis, purpose, limiter_key("email", email.lower()),
                                          limit, WINDOW_S)
    return by_ip or by_account


@bp.route("/inscription", methods=["GET", "POST"])
def register() -> Response | str | tuple[str, int]:
    if current_user() is not None:
        return redirect(url_for("accounts.orders"))
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        email_raw = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        values = {"email": email_raw,
                  "marketing_consent": request.form.get("marketing_consent", "")}
        if _limited("register"):
            return render_template("accounts/register.html", values=values, errors={},
                                   limited=True), 429
        email = check_email(email_raw) if email_raw else None
        if not isinstance(email, str):
            errors["email"] = _("Saisissez une adresse e-mail valide.")
        elif find_user(email) is not None:
            errors["email"] = _("Un compte existe déjà avec cette adresse. Connectez-vous, ou "
                                "utilisez « Mot de passe oublié ».")
        problem = password_problem(password, request.form.get("password_confirm", ""))
        if problem:
            errors["password"] = problem
        if not request.form.get("terms_accepted"):
            errors["terms_accepted"] = _("Acceptez les conditions et la politique de "
                                         "confidentialité pour créer un compte.")
        if not errors:
            assert isinstance(email, str)
            now = utcnow()
            marketing = bool(request.form.get("marketing_consent"))
            user = User(email=email, password_hash=hash_password(password),
                        role=Role.CUSTOMER.value, locale=current_language(),
                        marketing_consent=marketing,
                        marketing_consent_at=now if marketing else None)
            db = db_session()
            db.add(user)
            db.flush()
            login_user(user)
            db.commit()
            flash(_("Votre compte est créé. Bienvenue !"), "success")
            return redirect(url_for("accounts.orders"), code=303)
    return render_template("accounts/register.html", values=values, errors=errors), (
        422 if errors else 200)


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user() is not None and request.method == "GET":
        return redirect(url_for("accounts.orders"))
    values: dict[str, str] = {}
    error = None
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        values = {"email": email}
        if _limited("login", email):
            return render_template("accounts/login.html", values=values, error=None,
                                   limited=True), 429
        user = find_user(email) if email else None
        valid = verify_password(user.password_hash if user else None, password)
        if user is not None and valid and user.status == AccountStatus.ACTIVE.value:
            if user.password_hash and needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            home = ("staff.queue" if user.role in STAFF_ROLES
                    else "supplier.orders" if user.role == Role.SUPPLIER.value
                    else "accounts.orders")
            target = safe_next(session.get("after_login"), url_for(home))
            draft = session.get("draft")
            guest_orders = session.get("guest_orders")
            login_user(user)
            # an order begun before logging in goes on: keep its draft and guest grants
            if draft:
                session["draft"] = draft
            if guest_orders:
                session["guest_orders"] = guest_orders
            db_session().commit()
            reset(runtime().redis, "login", limiter_key("email", email.lower()))
            return redirect(target, code=303)
        # one message for every failure, so the form does not tell which accounts exist
        error = _("Adresse e-mail ou mot de passe incorrect, ou compte désactivé.")
    return render_template("accounts/login.html", values=values, error=error), (
        401 if error else 200)


@bp.post("/deconnexion")
def logout() -> Response:
    logout_user()
    flash(_("Vous êtes déconnecté."), "success")
    return redirect(url_for("home.index"), code=303)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password() -> str | tuple[str, int]:
    if request.method == "GET":
        return render_template("accounts/forgot.html", sent=False, values={})
    email = request.form.get("email", "").strip()
    if _limited("reset", email):
        return render_template("accounts/forgot.html", sent=False, values={"email": email},
                               limited=True), 429
    user = find_user(email) if email else None
    if user is not None and user.status == AccountStatus.ACTIVE.value:
        db = db_session()
        queue_mail(db, user.id, "password_reset")
        db.commit()
    # the same answer whether or not an account exists
    return render_template("accounts/forgot.html", sent=True, values={})


@bp.get("/reinitialiser/<token>")
def reset_link(token: str) -> Response:
    """Keep the token from the e-mail in the session and continue at an address without it."""
    session[RESET_SESSION_KEY] = token
    return redirect(url_for("accounts.reset_password"), code=303)


def _reset_user() -> User | None:
    token = session.get(RESET_SESSION_KEY, "")
    found = read_password_reset_token(str(current_app.config["SECRET_KEY"]), token)
    if found is None:
        return None
    user_id, fingerprint = found
    user = db_session().get(User, user_id)
    if user is None or user.status != AccountStatus.ACTIVE.value:
        return None
    if account_fingerprint(user.password_hash, user.session_version) != fingerprint:
        return None  # already used, or the password changed since the e-mail
    return user


@bp.route("/reinitialiser", methods=["GET", "POST"])
def reset_password() -> Response | str | tuple[str, int]:
    user = _reset_user()
    if user is None:
        session.pop(RESET_SESSION_KEY, None)
        flash(_("Ce lien de réinitialisation n'est plus valide. Demandez-en un nouveau."), "error")
        return redirect(url_for("accounts.forgot_password"), code=303)
    error = None
    if request.method == "POST":
        error = password_problem(request.form.get("password", ""),
                                 request.form.get("password_confirm", ""))
        if error is None:
            user.password_hash = hash_password(request.form["password"])
            user.session_version += 1  # every other open session ends
            session.pop(RESET_SESSION_KEY, None)
            login_user(user)
            db_session().commit()
            flash(_("Votre mot de passe est changé."), "success")
            return redirect(url_for("accounts.orders"), code=303)
    return render_template("accounts/reset.html", error=error), 422 if error else 200
