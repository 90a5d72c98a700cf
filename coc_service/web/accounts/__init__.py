"""Customer accounts: register, log in, reset a password, the saved profile and their rights."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/compte")

# the views register themselves on `bp`
from coc_service.web.accounts import api_tokens, login, profile  # noqa: E402,F401
