"""Error pages in the visitor's language; JSON errors under /api/ for clients of the API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Requête incorrecte"), _("La page n'a pas pu traiter votre demande.")),
        403: (_("Accès refusé"), _("Vous n'avez pas accès à cette page.")),
        404: (_("Page introuvable"), _("Cette page n'existe pas ou n'est pas accessible.")),
        405: (_("Action impossible"), _("Cette action n'est pas possible sur cette page.")),
        413: (_("Fichier trop volumineux"), _("Le fichier envoyé dépasse la taille autorisée.")),
        429: (_("Trop de tentatives"), _("Trop de tentatives : réessayez dans quelques minutes.")),
        500: (_("Erreur du service"), _("Une erreur est survenue. Réessayez dans un instant.")),
    }


_API_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "too_large", 429: "rate_limited", 500: "internal_error",
}


def _render(code: int, title: str, message: str) -> tuple[Response | str, int]:
    if request.path.startswith("/api/"):
        api_code = _API_CODES.get(code, f"http_{code}")
        return jsonify({"error": {"code": api_code, "message": title}}), code
    return render_template("error.html", code=code, title=title, message=message), code


def init_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(_exc: CSRFError) -> tuple[Response | str, int]:
        return _render(
            400,
            _("Formulaire expiré"),
            _("Pour votre sécurité, ce formulaire a expiré. Revenez en arrière, rechargez la "
              "page et envoyez-le de nouveau."),
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response | str, int] | HTTPException:
        code = exc.code or 500
        if code < 400:
            return exc
        title, message = _messages().get(code, (exc.name, ""))
        return _render(code, title, message)

    @app.errorhandler(500)
    def _server_error(_exc: Exception) -> tuple[Response | str, int]:
        title, message = _messages()[500]
        return _render(500, title, message)
