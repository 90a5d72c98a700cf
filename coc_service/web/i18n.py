"""Languages of the site: French first, English too; the switch and per-language formatting.

The language is the visitor's explicit choice (kept in the session), else their account's,
else the browser's preference among the languages we have, else French.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, request, session
from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale
from werkzeug.wrappers import Response

from coc_service.web.extensions import babel

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
TIMEZONE = "Europe/Paris"

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Return the language code for this request."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    user = g.get("current_user")
    if user is not None and user.locale in LANGUAGES:
        return str(user.locale)
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or "fr"


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Return `target` if it is a path on this site, else `fallback` (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.post("/langue")
def switch_language() -> Response:
    """Remember the chosen language and go back to the page it was chosen on."""
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    # the page comes from the form, not the query string, so no token ever sits in a URL
    return redirect(safe_next(request.form.get("next")), code=303)


def price(cents: int | None, currency: str = "EUR") -> str:
    """Return an amount in cents formatted for the current language (14,90 € / €14.90)."""
    return str(format_currency((cents or 0) / 100, currency))


def day(value: date | datetime | str | None, fmt: str = "long") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return str(format_date(value, fmt))


def moment(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else str(format_datetime(value, fmt))


def file_size(size: int | None) -> str:
    """Return a size in kB or MB, in the current language's units and decimal mark."""
    size = size or 0
    french = current_language() == "fr"
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)))} {'ko' if french else 'kB'}"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} {'Mo' if french else 'MB'}"


def init_i18n(app: Flask) -> None:
    """Attach Flask-Babel and the template helpers to `app`."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    babel.init_app(
        app,
        default_locale=DEFAULT_LANGUAGE,
        default_timezone=TIMEZONE,
        locale_selector=select_locale,
    )
    app.jinja_env.filters.update(price=price, day=day, moment=moment, file_size=file_size)
    app.jinja_env.globals.update(current_language=current_language, LANGUAGES=LANGUAGES)
