"""The shop's information pages: terms of sale, privacy notice and cookies."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/conditions-generales")
def terms() -> str:
    return render_template("pages/terms.html")


@bp.get("/confidentialite")
def privacy() -> str:
    return render_template("pages/privacy.html")
