"""The order page, its JSON status for the page's script, and the way in for guests."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from coc_service.db.orders import Order
from coc_service.mail.links import read_order_link_token
from coc_service.mail.outbox import queue_mail
from coc_service.orders.lifecycle import CANCELLABLE, OrderStatus
from coc_service.orders.service import cancel_order
from coc_service.web.accounts.auth import current_user
from coc_service.web.accounts.ratelimit import limiter_key, too_many
from coc_service.web.context import db_session, runtime
from coc_service.web.i18n import current_language
from coc_service.web.shop.access import grant_order, visible_order
from coc_service.web.shop.documents import current_scans, pop_feedback
from coc_service.web.shop.upload_messages import kind_hint, kind_label
from coc_service.web.track import bp
from coc_service.web.track.progress import live_state


@bp.get("/lien/<token>")
def link(token: str) -> Response:
    """Open a guest's order from the signed link of an e-mail, then leave the token behind.

    The browser is sent on to the order's plain address at once, so the token does not stay in
    the address bar, the history or a Referer.
    """
    order_id = read_order_link_token(str(current_app.config["SECRET_KEY"]), token)
    order = db_session().get(Order, order_id) if order_id else None
    if order is None or order.restricted:
        flash(_("Ce lien de suivi n'est pas valide ou a expiré. Demandez-en un nouveau "
                "ci-dessous."), "error")
        return redirect(url_for("track.find"), code=303)
    grant_order(order.id)
    return redirect(url_for("track.order", order_id=order.id), code=303)


@bp.get("/commande/<order_id>")
def order(order_id: str) -> str:
    found = visible_order(db_session(), order_id)
    locale = current_language()
    state = live_state(found, locale)
    reupload_kinds = [a.removeprefix("reupload_") for a in state["actions"]
                      if a.startswith("reupload_")]
    return render_template(
        "track/order.html",
        order=found,
        live=state,
        scans=current_scans(found),
        reupload=[(k, kind_label(k), kind_hint(k)) for k in reupload_kinds],
        feedback=pop_feedback(),
        max_bytes=runtime().limits.max_bytes,
        kind_label=kind_label,
        can_cancel=OrderStatus(found.status) in CANCELLABLE
        and found.status != OrderStatus.DRAFT.value,
    )


@bp.get("/commande/<order_id>/statut")
def status(order_id: str) -> Response:
    """Return the order's progress for the page's script (and the fragment to show)."""
    found = visible_order(db_session(), order_id)
    state = live_state(found, current_language())
    html = render_template("track/_live.html", order=found, live=state)
    response = jsonify({
        "status": state["status"], "status_label": state["status_label"],
        "version": state["version"], "settled": state["settled"], "actions": state["actions"],
        "html": html,
    })
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("", methods=["GET", "POST"])
def find() -> str | tuple[str, int]:
    """Ask for the tracking link again: reference + e-mail; the answer never says which exists."""
    if request.method == "GET":
        return render_template("track/find.html", values={}, errors={})
    reference = request.form.get("reference", "").strip().upper()[:20]
    email = request.form.get("email", "").strip().lower()[:254]
    values = {"reference": reference, "email": email}
    errors = {}
    if not reference:
        errors["reference"] = _("Indiquez la référence de votre commande (COC-…).")
    if "@" not in email:
        errors["email"] = _("Indiquez l'adresse e-mail utilisée pour la commande.")
    if errors:
        return render_template("track/find.html", values=values, errors=errors), 422
    if too_many(runtime().redis, "track-link", limiter_key(request.remote_addr or ""),
                runtime().settings.rate_limit_login_per_15min, 900):
        return render_template("track/find.html", values=values, errors={},
                               limited=True), 429
    db = db_session()
    found = db.scalars(select(Order).where(Order.reference == reference)).first()
    if (found is not None and not found.restricted
            and found.status != OrderStatus.DRAFT.value
            and str(found.customer_snapshot.get("email", "")).lower() == email):
        queue_mail(db, found.id, "link")
        db.commit()
    return render_template("track/find.html", values={}, errors={}, sent=True)


@bp.post("/commande/<order_id>/annuler")
def cancel(order_id: str) -> Response:
    """Cancel an order the customer no longer wants, as long as it is not with the supplier."""
    db = db_session()
    found = visible_order(db, order_id)
    if OrderStatus(found.status) not in CANCELLABLE or found.status == OrderStatus.DRAFT.value:
        flash(_("Cette commande ne peut plus être annulée : elle a été transmise au "
                "constructeur."), "error")
        return redirect(url_for("track.order", order_id=found.id), code=303)
    user = current_user()
    cancel_order(db, found, actor=user.id if user else "customer", reason="customer request")
    db.commit()
    flash(_("Votre commande est annulée."), "success")
    return redirect(url_for("track.order", order_id=found.id), code=303)
