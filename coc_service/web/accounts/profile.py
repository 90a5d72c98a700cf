"""The customer's space: orders, "Modifier mes données", password, and their rights."""

from __future__ import annotations

import tempfile

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from coc_service.accounts.passwords import hash_password, verify_password
from coc_service.db.accounts import User
from coc_service.orders.lifecycle import OrderStatus
from coc_service.orders.views import status_label
from coc_service.privacy.accounts import (
    deactivate_account,
    request_erasure,
    user_orders,
    withdraw_marketing,
)
from coc_service.privacy.export import export_personal_data
from coc_service.web.accounts import bp
from coc_service.web.accounts.auth import current_user, login_required, login_user, logout_user
from coc_service.web.accounts.login import find_user, password_problem
from coc_service.web.accounts.profile_form import save_profile, validate_profile
from coc_service.web.context import db_session, runtime
from coc_service.web.i18n import LANGUAGES, current_language
from coc_service.web.shop.drafts import profile_values
from coc_service.web.shop.flow import flat_form


def _user() -> User:
    user = current_user()
    assert user is not None  # login_required ran first
    return user


@bp.get("")
@login_required
def orders() -> str:
    user = _user()
    rows = [o for o in user_orders(db_session(), user) if not o.restricted
            and o.status != OrderStatus.DRAFT.value]
    rows.sort(key=lambda o: o.created_at, reverse=True)
    return render_template("accounts/orders.html", orders=rows, status_label=status_label,
                           locale=current_language())


@bp.route("/donnees", methods=["GET", "POST"])
@login_required
def profile() -> Response | str | tuple[str, int]:
    """"Modifier mes données": the saved profile that fills the next order."""
    from coc_service.web.shop.customer import country_options

    user = _user()
    db = db_session()
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = flat_form(request.form, ("customer.", "billing_address.", "shipping_address."))
        errors, clean = validate_profile(values, current_language())
        new_email = clean.get("customer.email")
        if not errors and new_email and new_email.lower() != user.email.lower():
            if not verify_password(user.password_hash, request.form.get("current_password", "")):
                errors["current_password"] = _("Pour changer d'adresse e-mail, saisissez votre "
                                               "mot de passe actuel.")
            elif find_user(new_email) is not None:
                errors["customer.email"] = _("Un compte existe déjà avec cette adresse.")
        locale = request.form.get("locale", user.locale)
        if not errors:
            save_profile(db, user, clean)
            if new_email:
                user.email = new_email
            if locale in LANGUAGES:
                user.locale = locale
            db.commit()
            flash(_("Vos données sont enregistrées."), "success")
            return redirect(url_for("accounts.profile"), code=303)
    else:
        values = profile_values(user.customer) if user.customer else {}
        values.setdefault("customer.email", user.email)
        values.setdefault("customer.kind", "individual")
    return render_template("accounts/profile.html", values=values, errors=errors,
                           countries=country_options(), user=user), 422 if errors else 200


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    user = _user()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not verify_password(user.password_hash, request.form.get("current_password", "")):
            errors["current_password"] = _("Mot de passe actuel incorrect.")
        problem = password_problem(request.form.get("password", ""),
                                   request.form.get("password_confirm", ""))
        if problem:
            errors["password"] = problem
        if not errors:
            user.password_hash = hash_password(request.form["password"])
            user.session_version += 1  # logs out every other device
            login_user(user)
            db_session().commit()
            flash(_("Votre mot de passe est changé ; vos autres sessions sont fermées."),
                  "success")
            return redirect(url_for("accounts.profile"), code=303)
    return render_template("accounts/password.html", errors=errors), 422 if errors else 200


@bp.route("/vie-privee", methods=["GET"])
@login_required
def privacy() -> str:
    return render_template("accounts/privacy.html", user=_user(), errors={})


@bp.post("/vie-privee/desinscription")
@login_required
def unsubscribe() -> Response:
    user = _user()
    withdraw_marketing(db_session(), user, actor=user, reason="unsubscribe")
    db_session().commit()
    flash(_("Vous ne recevrez plus d'e-mails commerciaux."), "success")
    return redirect(url_for("accounts.privacy"), code=303)


@bp.get("/vie-privee/mes-donnees.zip")
@login_required
def export() -> Response:
    """Send the ZIP of everything we hold about the account (an attachment)."""
    user = _user()
    db = db_session()
    # spooled: documents included, so the archive may be large; it never sits whole in memory
    target = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    export_personal_data(db, runtime(), user, target, actor=user)
    db.commit()
    target.seek(0)
    response = send_file(target, mimetype="application/zip", as_attachment=True,
                         download_name="mes-donnees-coc.zip", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def _confirmed(user: User) -> dict[str, str]:
    if not verify_password(user.password_hash, request.form.get("password", "")):
        return {"password": _("Mot de passe incorrect.")}
    return {}


@bp.post("/vie-privee/desactiver")
@login_required
def deactivate() -> Response | tuple[str, int]:
    user = _user()
    errors = _confirmed(user)
    if errors:
        return render_template("accounts/privacy.html", user=user, errors=errors,
                               open_form="deactivate"), 422
    db = db_session()
    deactivate_account(db, runtime(), user, actor=user, reason="customer request")
    db.commit()
    logout_user()
    flash(_("Votre compte est désactivé. Les commandes déjà transmises au constructeur vont à "
            "leur terme ; le reste est effacé ou archivé selon nos obligations légales."),
          "success")
    return redirect(url_for("home.index"), code=303)


@bp.post("/vie-privee/effacement")
@login_required
def erase() -> Response | tuple[str, int]:
    user = _user()
    errors = _confirmed(user)
    if errors:
        return render_template("accounts/privacy.html", user=user, errors=errors,
                               open_form="erase"), 422
    db = db_session()
    request_erasure(db, runtime(), user, actor=user, reason="customer request")
    db.commit()
    logout_user()
    flash(_("Vos données sont effacées, sauf ce que la loi nous oblige à conserver (factures)."),
          "success")
    return redirect(url_for("home.index"), code=303)
