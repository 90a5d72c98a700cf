"""The supplier portal: the bundles forwarded to one supplier, acknowledgement, certificates."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supplier", __name__, url_prefix="/fournisseur")

# the views register themselves on `bp`
from coc_service.web.supplier import views  # noqa: E402,F401
