"""`coc-service db upgrade|downgrade|current`."""

from __future__ import annotations

import click

from coc_service.cli.common import friendly_errors, load_settings
from coc_service.db import migrate
from coc_service.db.session import Database


@click.group("db")
def group() -> None:
    """Database schema migrations (Alembic)."""


@group.command("upgrade")
@click.argument("revision", default="head")
@friendly_errors
def upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    settings = load_settings()
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    Database(url).ping()
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {revision}")


@group.command("downgrade")
@click.argument("revision")
@friendly_errors
def downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    settings = load_settings()
    migrate.downgrade(settings.resolved_database_url, revision)
    click.echo(f"database at revision {revision}")
