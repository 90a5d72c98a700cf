"""Flask blueprints: thin views that parse, call one service function and render."""

from __future__ import annotations

import importlib

from flask import Flask

# every blueprint of the site, by module; each module exposes `bp`
BLUEPRINTS = (
    "coc_service.web.health",
    "coc_service.web.home",
    "coc_service.web.api",
    "coc_service.web.i18n",
    "coc_service.web.shop",
    "coc_service.web.shop.pages",
    "coc_service.web.track",
    "coc_service.web.accounts",
    "coc_service.web.staff",
    "coc_service.web.supplier",
)


def register_blueprints(app: Flask) -> None:
    for module_name in BLUEPRINTS:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp)
