"""Step 2, the customer: person or company, contact, addresses, delivery. Creates the draft."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from coc_service.orders.errors import IdempotencyConflict, OrderActionRefused
from coc_service.orders.input import DELIVERY_OPTIONS
from coc_service.orders.messages import OrderValidationError
from coc_service.orders.rules import iso_countries
from coc_service.orders.service import create_order
from coc_service.web.accounts.auth import current_user
from coc_service.web.context import db_session, runtime
from coc_service.web.i18n import current_language, price
from coc_service.web.shop import bp
from coc_service.web.shop.access import grant_order
from coc_service.web.shop.drafts import (
    apply_input,
    current_draft,
    draft_customer_values,
    draft_vehicle_values,
    parse,
    validation_errors,
)
from coc_service.web.shop.flow import draft_state, flat_form, nest, remember_draft

CUSTOMER_FIELDS = ("customer.", "billing_address.", "shipping_address.", "delivery_option")


def country_options() -> list[tuple[str, str]]:
    """Return (ISO code, name in the visitor's language), France first then alphabetical."""
    from babel import Locale

    names = Locale.parse(current_language()).territories
    codes = sorted(iso_countries(), key=lambda c: str(names.get(c, c)))
    return [(code, str(names.get(code, code))) for code in ["FR", *(c for c in codes if c != "FR")]]


def delivery_options() -> list[tuple[str, str, str]]:
    lang = current_language()
    return [
        (code, option.label_fr if lang == "fr" else option.label_en,
         _("inclus") if option.price_cents == 0 else "+ " + price(option.price_cents))
        for code, option in DELIVERY_OPTIONS.items()
    ]


@bp.route("/coordonnees", methods=["GET", "POST"])
def customer() -> Response | str | tuple[str, int]:
    db = db_session()
    draft = current_draft(db)
    vehicle = draft_vehicle_values(draft)
    if not vehicle:
        flash(_("Commencez par indiquer votre véhicule."), "warning")
        return redirect(url_for("shop.vehicle"), code=303)
    user = current_user()
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = flat_form(request.form, CUSTOMER_FIELDS)
        values["shipping_same_as_billing"] = (
            "1" if request.form.get("shipping_same_as_billing") else "0")
        data: dict[str, Any] = nest({**vehicle, **values})
        data["locale"] = current_language()
        try:
            order_input = parse(data, db)
        except OrderValidationError as exc:
            errors = validation_errors(exc)
        else:
            try:
                if draft is None:
                    draft = _create(db, order_input, user)
                else:
                    apply_input(db, draft, order_input)
                db.commit()
            except OrderActionRefused as exc:
                db.rollback()
                flash(exc.message_fr if current_language() == "fr" else exc.message, "error")
                return redirect(url_for("shop.vehicle"), code=303)
            remember_draft(draft.id)
            grant_order(draft.id)
            return redirect(url_for("shop.documents"), code=303)
    else:
        values = draft_customer_values(db, draft, user)
    return render_template(
        "shop/customer.html",
        values=values,
        errors=errors,
        countries=country_options(),
        deliveries=delivery_options(),
        step=2,
        logged_in=user is not None,
    ), 422 if errors else 200


def _create(db: Any, order_input: Any, user: Any) -> Any:
    """Create the draft once per flow: the same key returns the same order."""
    key = draft_state()["key"]
    try:
        order, _token = create_order(db, runtime(), order_input, user=user,
                                     idempotency_key=key, issue_token=False)
    except IdempotencyConflict:
        # the first request of this key made an order with other data, and its answer was
        # lost: that draft is abandoned (retention removes it) and this flow takes a new key
        db.rollback()
        state = draft_state()
        state.pop("key", None)
        session.modified = True
        order, _token = create_order(db, runtime(), order_input, user=user,
                                     idempotency_key=draft_state()["key"], issue_token=False)
    return order
