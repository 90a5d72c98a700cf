"""The WSGI entry point for gunicorn: `gunicorn coc_service.wsgi:app`."""

from __future__ import annotations

import sys

from coc_service.app import create_app
from coc_service.errors import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # one clear message instead of a traceback
    print(f"coc-service: {exc}", file=sys.stderr)
    sys.exit(2)
