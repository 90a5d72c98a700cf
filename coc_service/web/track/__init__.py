"""Following an order: the timeline, explanations, re-upload on request, the certificate."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("track", __name__, url_prefix="/suivi")

# the views register themselves on `bp`
from coc_service.web.track import files, views  # noqa: E402,F401
