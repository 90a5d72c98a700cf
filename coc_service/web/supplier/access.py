"""Who may use the supplier portal: supplier accounts, each for its own supplier only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g
from flask_babel import gettext as _

from coc_service.db.accounts import User
from coc_service.db.orders import Order
from coc_service.errors import NotFound
from coc_service.suppliers.portal import supplier_of, supplier_order
from coc_service.web.accounts.auth import current_user, role_required
from coc_service.web.context import db_session

F = TypeVar("F", bound=Callable[..., Any])


def _supplier_account(user: User) -> bool:
    """Return whether `user` works for a supplier, remembering which for the request."""
    g.supplier_id = supplier_of(user)
    return g.supplier_id is not None


#: supplier accounts only, each then limited to its own supplier's orders
supplier_required = role_required(_supplier_account)


def current_supplier_id() -> str:
    supplier_id: str = g.supplier_id  # set by supplier_required
    return supplier_id


def actor_id() -> str:
    user = current_user()
    assert user is not None  # supplier_required ran first
    return user.id


def portal_order(order_id: str) -> Order:
    """Return the order if it was forwarded to this account's supplier; 404 otherwise."""
    try:
        return supplier_order(db_session(), current_supplier_id(), order_id)
    except NotFound:
        abort(404)


def certificate_rejection(code: str) -> str:
    """Return the supplier's message for a refused certificate file."""
    messages = {
        "empty": _("Le fichier est vide."),
        "too_large": _("Le fichier dépasse la taille autorisée."),
        "unsupported_type": _("Le certificat doit être un fichier PDF."),
        "corrupt": _("Ce PDF est endommagé et ne peut pas être ouvert. Exportez-le de "
                     "nouveau."),
        "encrypted": _("Ce PDF est protégé par un mot de passe : le client ne pourrait pas "
                       "l'ouvrir. Envoyez une version sans mot de passe."),
        "too_many_pages": _("Ce PDF a trop de pages pour un certificat de conformité."),
        "timeout": _("L'ouverture de ce PDF a pris trop de temps. Envoyez un autre fichier."),
    }
    return messages.get(code, _("Ce fichier ne peut pas être accepté comme certificat."))
