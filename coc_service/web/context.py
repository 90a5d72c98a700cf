"""Per-request access to the runtime and a database session for views."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from coc_service.runtime import Runtime


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["coc_runtime"]
    return rt


def db_session() -> Session:
    """Return this request's session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = runtime().db.session()
    session: Session = g.db_session
    return session
