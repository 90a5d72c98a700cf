"""The JSON API for partner sites and scripts (CONTRACTS.md, HTTP), under /api/v1.

Authorisation is a bearer token (an order's access token or an account's API token), so the
cookie-based CSRF protection of the pages does not apply here. Every answer is JSON, errors
included: {"error": {"code", "message"}}.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from coc_service.web.api import access, orders
from coc_service.web.api.errors import api_error, install_error_handlers

bp = Blueprint("api", __name__, url_prefix="/api/v1")
CATCH_ALL = "api.catch_all"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

install_error_handlers(bp)
orders.register(bp)


@bp.errorhandler(access.ApiRefusal)
def _refusal(exc: access.ApiRefusal) -> Response:
    return exc.response


@bp.before_request
def _rate_limit() -> Response | None:
    if request.endpoint in ("api.openapi", CATCH_ALL):
        return None
    return access.rate_limit()


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return access.add_rate_headers(response)


@bp.get("/openapi.json")
def openapi() -> Response:
    from coc_service.web.api.openapi import openapi_document

    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/", defaults={"rest": ""}, methods=ALL_METHODS, endpoint="catch_all")
@bp.route("/<path:rest>", methods=ALL_METHODS, endpoint="catch_all")
def catch_all(rest: str) -> Response:
    """Answer unknown API paths (404) and known paths with the wrong method (405) in JSON."""
    adapter = _api_routes().bind("api", "/")
    try:
        adapter.match(request.path, method=request.method)
    except MethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.valid_methods or []))
        return api_error(405, headers={"Allow": allowed})
    except NotFound:
        pass
    return api_error(404)


def _api_routes() -> Map:
    """Return a routing map of the API's own rules, without the catch-all (built once per app)."""
    routes: Map | None = current_app.extensions.get("api_routes")
    if routes is None:
        routes = Map([
            Rule(rule.rule, methods=rule.methods, endpoint=rule.endpoint)
            for rule in current_app.url_map.iter_rules()
            if rule.endpoint.startswith("api.") and rule.endpoint != CATCH_ALL
        ])
        current_app.extensions["api_routes"] = routes
    return routes
