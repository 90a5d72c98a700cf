"""Flask extensions, created unbound here and attached to an app by `init_app` in the factory."""

from __future__ import annotations

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
