"""Fixtures of the web shop tests (see tests/web/shop/webshop.py)."""

from __future__ import annotations

from tests.web.shop.webshop import quick_password_hashes, shop  # noqa: F401  (fixtures)
