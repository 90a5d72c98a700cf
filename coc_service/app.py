"""The Flask application factory: everything is built here, nothing at import time."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from werkzeug.wrappers import Response

from coc_service.config import Settings, ensure_dev_secret, settings_from_env, validate
from coc_service.logs import configure_logging, context_id
from coc_service.runtime import Runtime, build_runtime
from coc_service.web.requests import UploadInMemoryRequest

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(
    config: Settings | Mapping[str, Any] | None = None, *, runtime: Runtime | None = None
) -> Flask:
    """Return the configured web application.

    `config` is a Settings object, or a mapping of setting overrides applied on top of the
    environment, or None for the environment alone.
    """
    if runtime is not None:
        settings = runtime.settings
    elif isinstance(config, Settings):
        settings = validate(config)
    else:
        settings = settings_from_env(**dict(config or {}))
    settings = ensure_dev_secret(settings)
    configure_logging(fmt=settings.log_format, level=settings.log_level)

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.request_class = UploadInMemoryRequest
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="coc_session",
        # multipart overhead on top of the largest accepted file
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        TESTING=settings.env == "test",
    )
    if runtime is None:
        runtime = build_runtime(settings)
    app.extensions["coc_runtime"] = runtime

    _install_request_context(app)
    _init_extensions(app)
    _register_blueprints(app)
    return app


def get_runtime(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["coc_runtime"]
    return runtime


def _install_request_context(app: Flask) -> None:
    @app.before_request
    def _tag_request() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
        g.started = time.perf_counter()
        context_id.set(g.request_id)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        headers["X-Request-Id"] = g.get("request_id", "")
        # the route pattern, never the path: paths may carry tokens, queries personal data
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        elapsed_ms = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000)
        log.info(
            "request",
            extra={"method": request.method, "route": rule, "status": response.status_code,
                   "ms": elapsed_ms},
        )
        return response

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
        context_id.set(None)


def _init_extensions(app: Flask) -> None:
    """Attach languages, CSRF protection, the login and the error pages (coc_service/web)."""
    from coc_service.web.accounts.auth import init_auth
    from coc_service.web.errors import init_error_pages
    from coc_service.web.extensions import csrf
    from coc_service.web.i18n import init_i18n

    init_i18n(app)
    # every form is protected; the JSON API authenticates by bearer token, not by cookie
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the session
    csrf.init_app(app)

    @app.before_request
    def _csrf_for_forms() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and not (
            request.path.startswith("/api/v1/")
        ):
            csrf.protect()

    init_auth(app)
    init_error_pages(app)


def _register_blueprints(app: Flask) -> None:
    from coc_service.web import register_blueprints

    register_blueprints(app)
