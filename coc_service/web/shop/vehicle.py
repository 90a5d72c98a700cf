"""Step 1, the vehicle: VIN with immediate feedback, make from the catalogue, dates, plate."""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from coc_service.db.suppliers import CatalogueEntry
from coc_service.orders.messages import OrderValidationError
from coc_service.suppliers.catalogue import active_offers
from coc_service.web.context import db_session
from coc_service.web.i18n import current_language, price
from coc_service.web.shop import bp
from coc_service.web.shop.drafts import (
    current_draft,
    draft_vehicle_values,
    update_draft_vehicle,
    validation_errors,
)
from coc_service.web.shop.flow import flat_form, nest, save_vehicle

VEHICLE_FIELDS = ("vehicle.",)


@bp.app_template_global("catalogue_offers")
def catalogue_offers() -> list[CatalogueEntry]:
    """Return the makes on sale (for the home page's price list)."""
    return active_offers(db_session())


def extra_label(spec: dict[str, Any]) -> str:
    lang = current_language()
    return str(spec.get(f"label_{lang}") or spec.get("label_fr") or spec.get("name", ""))


def offer_options(offers: list[CatalogueEntry]) -> list[dict[str, Any]]:
    """Return each make with its price, lead time and extra fields, ready for the template."""
    return [
        {
            "make": entry.make,
            "price": price(entry.price_cents),
            "lead_time_days": entry.lead_time_days,
            "extra": [
                {"name": spec["name"], "label": extra_label(spec)}
                for spec in entry.required_fields or []
                if spec.get("name")
            ],
        }
        for entry in offers
    ]


@bp.get("/")
def start() -> Response:
    return redirect(url_for("shop.vehicle"))


@bp.route("/vehicule", methods=["GET", "POST"])
def vehicle() -> Response | str | tuple[str, int]:
    session = db_session()
    draft = current_draft(session)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = flat_form(request.form, VEHICLE_FIELDS)
        errors = vehicle_errors(values)
        if not errors:
            if draft is not None:
                update_draft_vehicle(session, draft, values)
                session.commit()
            else:
                save_vehicle(values)
            return redirect(url_for("shop.customer"), code=303)
    else:
        values = draft_vehicle_values(draft)
    offers = offer_options(active_offers(session))
    chosen = next((o for o in offers if o["make"] == values.get("vehicle.make")), None)
    return render_template(
        "shop/vehicle.html",
        values=values,
        errors=errors,
        offers=offers,
        offers_json=json.dumps({o["make"]: o for o in offers}),
        chosen=chosen,
        step=1,
    ), 422 if errors else 200


def vehicle_errors(values: dict[str, str]) -> dict[str, str]:
    """Return the vehicle fields' problems (path → message in the visitor's language)."""
    from coc_service.orders.input import parse_order_input

    try:
        parse_order_input(nest(values), session=db_session())
    except OrderValidationError as exc:
        return {
            path: message
            for path, message in validation_errors(exc).items()
            if path.startswith("vehicle")
        }
    return {}


@bp.post("/vin")
def vin_feedback() -> Response:
    """Say whether a VIN is well formed and which make its WMI stands for (JSON, POST body).

    POST so that the VIN never sits in a URL or an access log.
    """
    from coc_service.vehicles.vin import is_north_american, normalise_vin, vin_check_digit_ok
    from coc_service.vehicles.wmi import make_for_vin

    payload = request.get_json(silent=True) or {}
    raw = str(payload.get("vin", ""))[:64]
    vin = normalise_vin(raw)
    body: dict[str, Any] = {"vin": vin, "ok": False, "make": None, "offer": None}
    bad = sorted({c for c in vin if not c.isalnum()})
    if not vin:
        body["message"] = _("Saisissez les 17 caractères du VIN (case E de la carte grise).")
    elif bad:
        body["message"] = _("Un VIN ne contient que des lettres et des chiffres.")
    elif len(vin) != 17:
        body["message"] = _("Un VIN compte 17 caractères ; vous en avez saisi %(n)d.", n=len(vin))
    elif is_north_american(vin) and not vin_check_digit_ok(vin):
        body["message"] = _("La clé de contrôle (9e caractère) ne correspond pas : vérifiez "
                            "le VIN.")
    else:
        body["ok"] = True
        make = make_for_vin(vin)
        body["make"] = make
        if make is None:
            body["message"] = _("Format correct. Constructeur non reconnu : choisissez la marque.")
        else:
            entry = next((o for o in active_offers(db_session()) if o.make == make), None)
            if entry is not None:
                body["offer"] = {"make": entry.make, "price": price(entry.price_cents),
                                 "lead_time_days": entry.lead_time_days}
                body["message"] = _("Format correct. Ce VIN correspond à un véhicule %(make)s.",
                                    make=make)
            else:
                body["message"] = _(
                    "Format correct. Ce VIN correspond à un véhicule %(make)s, marque que nous "
                    "ne proposons pas encore.", make=make)
    if body["ok"] and any(c in "IOQ" for c in raw.upper()):
        body["message"] += " " + _("(I, O et Q n'existent pas dans un VIN : lus comme 1 et 0.)")
    return jsonify(body)
