"""The e-mails a customer receives, in their language, built from templates/mail/*.txt.

Built outside any web request (by the send_mail job), with Jinja and Babel directly. A mail
carries no document and no personal data in its links: a guest's link holds a signed order id,
a password-reset link a signed account id bound to the current password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from coc_service.config import Settings
from coc_service.db.accounts import AccountStatus, User
from coc_service.db.orders import Order
from coc_service.mail.links import account_fingerprint, order_link_token, password_reset_token

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "mail"
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
LANGUAGES = ("fr", "en")

#: kinds about one order; the job's first argument is the order id
ORDER_KINDS = ("received", "action_needed", "forwarded", "certificate_ready", "rejected", "link")
#: kinds about one account; the job's first argument is the user id
ACCOUNT_KINDS = ("password_reset",)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    locale: str


@cache
def _environment(locale: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=False, extensions=["jinja2.ext.i18n"], keep_trailing_newline=True)
    translations: NullTranslations = Translations.load(str(TRANSLATIONS), [locale])
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["price"] = lambda cents, currency="EUR": format_currency(
        (cents or 0) / 100, currency, locale=locale)
    env.filters["day"] = lambda value: _day(value, locale)
    return env


def _day(value: date | datetime | None, locale: str) -> str:
    return "" if value is None else format_date(value, "long", locale=locale)


def render(kind: str, locale: str, context: dict[str, Any]) -> tuple[str, str]:
    """Return (subject, body) of mail `kind` in `locale`."""
    env = _environment(locale if locale in LANGUAGES else "fr")
    template = env.get_template(f"{kind}.txt")
    body = template.render(context).strip() + "\n"
    subject = str(getattr(template.make_module(context), "subject", "")).strip()
    return subject, body


def _order_context(order: Order, settings: Settings) -> dict[str, Any]:
    base = settings.base_url.rstrip("/")
    if order.user_id is None:
        link = f"{base}/suivi/lien/{order_link_token(settings.secret_key, order.id)}"
    else:
        link = f"{base}/suivi/commande/{order.id}"
    reasons = [d.error_message for d in order.current_documents()
               if d.error_code == "reupload_requested" and d.error_message]
    last = order.transitions[-1] if order.transitions else None
    return {
        "order": order,
        "first_name": order.customer_snapshot.get("first_name", ""),
        "link": link,
        "account": order.user_id is not None,
        "reupload_reasons": reasons,
        "refusal_reason": last.reason if last is not None and last.to_status == "rejected"
        else "",
        "base_url": base,
    }


def build_order_mail(session: Session, settings: Settings, order_id: str,
                     kind: str) -> Mail | None:
    """Return the mail `kind` about an order, or None when it must not be sent."""
    order = session.get(Order, order_id)
    if order is None or order.restricted:
        return None
    to = str(order.customer_snapshot.get("email") or "")
    if not to:
        return None
    locale = order.locale if order.locale in LANGUAGES else "fr"
    subject, body = render(kind, locale, _order_context(order, settings))
    return Mail(to=to, subject=subject, body=body, locale=locale)


def build_account_mail(session: Session, settings: Settings, user_id: str,
                       kind: str) -> Mail | None:
    """Return the mail `kind` about an account (a password reset), or None."""
    user = session.get(User, user_id)
    if user is None or user.status != AccountStatus.ACTIVE.value:
        return None
    token = password_reset_token(settings.secret_key, user.id,
                                 account_fingerprint(user.password_hash, user.session_version))
    link = f"{settings.base_url.rstrip('/')}/compte/reinitialiser/{token}"
    locale = user.locale if user.locale in LANGUAGES else "fr"
    subject, body = render(kind, locale, {"link": link, "base_url": settings.base_url})
    return Mail(to=user.email, subject=subject, body=body, locale=locale)


def build_mail(session: Session, settings: Settings, object_id: str, kind: str) -> Mail | None:
    """Return the mail of `kind` for an order or an account id; None if nothing to send."""
    if kind in ORDER_KINDS:
        return build_order_mail(session, settings, object_id, kind)
    if kind in ACCOUNT_KINDS:
        return build_account_mail(session, settings, object_id, kind)
    raise ValueError(f"unknown mail kind {kind!r}")


def to_message(mail: Mail, settings: Settings) -> EmailMessage:
    """Return the MIME message of `mail` (text only: no document is ever attached)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="coc.example.fr")
    message["Content-Language"] = mail.locale
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message
