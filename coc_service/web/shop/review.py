"""Step 4, review and submit; then the confirmation page with the order's reference."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from coc_service.db.orders import Order
from coc_service.mail.outbox import queue_mail
from coc_service.orders.errors import MissingDocuments, OrderActionRefused
from coc_service.orders.input import DELIVERY_OPTIONS
from coc_service.orders.service import submit_order
from coc_service.suppliers.catalogue import offer_for_make
from coc_service.web.accounts.auth import current_user
from coc_service.web.context import db_session, runtime
from coc_service.web.i18n import current_language
from coc_service.web.shop import bp
from coc_service.web.shop.access import grant_order, visible_order
from coc_service.web.shop.documents import current_scans
from coc_service.web.shop.drafts import current_draft, record_consents
from coc_service.web.shop.flow import forget_draft
from coc_service.web.shop.upload_messages import kind_label


def _render_review(order: Order, errors: dict[str, str], values: dict[str, str]) -> str:
    entry = offer_for_make(db_session(), order.make)
    delivery = DELIVERY_OPTIONS.get(order.delivery_option, DELIVERY_OPTIONS["email"])
    return render_template(
        "shop/review.html",
        order=order,
        scans=current_scans(order),
        kind_label=kind_label,
        lead_time_days=entry.lead_time_days if entry else None,
        make_price_cents=entry.price_cents if entry else order.price_cents,
        delivery=delivery,
        delivery_label=delivery.label_fr if current_language() == "fr" else delivery.label_en,
        errors=errors,
        values=values,
        step=4,
    )


@bp.get("/recapitulatif")
def review() -> Response | str:
    draft = current_draft(db_session())
    if draft is None:
        return redirect(url_for("shop.vehicle"), code=303)
    return _render_review(draft, {}, {})


@bp.post("/recapitulatif")
def submit() -> Response | tuple[str, int]:
    db = db_session()
    draft = current_draft(db)
    if draft is None:
        # a second click or a reload after the order went through: show what was ordered
        return redirect(url_for("shop.vehicle"), code=303)
    values = {
        "terms_accepted": "1" if request.form.get("terms_accepted") else "",
        "marketing_consent": "1" if request.form.get("marketing_consent") else "",
    }
    if not values["terms_accepted"]:
        errors = {"terms_accepted": _("Pour commander, acceptez les conditions générales de "
                                      "vente et la politique de confidentialité.")}
        return _render_review(draft, errors, values), 422
    user = current_user()
    record_consents(draft, user, marketing=bool(values["marketing_consent"]))
    try:
        submit_order(db, runtime(), draft, actor=user.id if user else "customer")
    except MissingDocuments as exc:
        db.rollback()
        flash(exc.message_fr if current_language() == "fr" else exc.message, "error")
        return redirect(url_for("shop.documents"), code=303)
    except OrderActionRefused as exc:
        db.rollback()
        flash(exc.message_fr if current_language() == "fr" else exc.message, "error")
        return redirect(url_for("shop.vehicle"), code=303)
    queue_mail(db, draft.id, "received")
    db.commit()
    order_id = draft.id
    forget_draft()
    grant_order(order_id)
    return redirect(url_for("shop.confirmation", order_id=order_id), code=303)


@bp.get("/confirmation/<order_id>")
def confirmation(order_id: str) -> str:
    order = visible_order(db_session(), order_id)
    return render_template("shop/confirmation.html", order=order)
