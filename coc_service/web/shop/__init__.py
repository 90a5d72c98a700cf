"""The order flow: vehicle, customer, documents, review and submit, confirmation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("shop", __name__, url_prefix="/commande")

# the views register themselves on `bp`
from coc_service.web.shop import (  # noqa: E402
    customer,  # noqa: F401
    documents,  # noqa: F401
    review,  # noqa: F401
    vehicle,  # noqa: F401
)
