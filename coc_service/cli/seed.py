"""`coc-service seed-demo`: demo accounts, suppliers and the make catalogue (idempotent)."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.accounts.passwords import hash_password
from coc_service.cli.common import friendly_errors, load_runtime
from coc_service.db import Role, Supplier, User
from coc_service.errors import CocError
from coc_service.suppliers.catalogue import upsert_catalogue

DEMO_PASSWORD = "demo-coc-2026"
DEMO_USERS = (
    ("admin@coc.example.fr", Role.ADMIN, None),
    ("agent1@coc.example.fr", Role.STAFF, None),
    ("agent2@coc.example.fr", Role.STAFF, None),
    ("dpo@coc.example.fr", Role.PRIVACY, None),
    ("portail@euro-coc.example", Role.SUPPLIER, "euro-coc"),
    ("portail@nordauto.example", Role.SUPPLIER, "nordauto"),
)


def seed_demo(session: Session) -> list[tuple[str, str]]:
    """Create the demo users, suppliers and catalogue if missing; return (email, role) pairs."""
    upsert_catalogue(session)
    session.flush()
    for email, role, supplier_code in DEMO_USERS:
        user = session.scalars(select(User).where(User.email == email)).first()
        if user is not None:
            continue
        supplier_id = None
        if supplier_code:
            supplier = session.scalars(select(Supplier).where(Supplier.code == supplier_code)).one()
            supplier_id = supplier.id
        session.add(
            User(email=email, role=role.value, password_hash=hash_password(DEMO_PASSWORD),
                 supplier_id=supplier_id)
        )
    return [(email, role.value) for email, role, _ in DEMO_USERS]


@click.command("seed-demo")
@friendly_errors
def command() -> None:
    """Create demo users (admin, staff, privacy officer, suppliers) and the make catalogue."""
    runtime = load_runtime()
    if runtime.settings.is_production:
        raise CocError("seed-demo refuses to run in production: it creates known passwords")
    with runtime.db.transaction() as session:
        users = seed_demo(session)
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for email, role in users:
        click.echo(f"  {role:<9} {email}")
