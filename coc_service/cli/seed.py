"""`coc-service seed-demo`: demo accounts, suppliers and the make catalogue (idempotent)."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.accounts.passwords import hash_password
from coc_service.cli.common import friendly_errors, load_runtime
from coc_service.db import Role, Supplier, User
from coc_service.errors import CocError
from coc_service.suppliers.catalogue import DEMO_SUPPLIERS, upsert_catalogue

DEMO_PASSWORD = "demo-coc-2026"
DEMO_USERS = (
    ("admin@coc.example.fr", Role.ADMIN, None),
    ("agent1@coc.example.fr", Role.STAFF, None),
    ("agent2@coc.example.fr", Role.STAFF, None),
    ("dpo@coc.example.fr", Role.PRIVACY, None),
    # one portal account per demo supplier: portail@<the supplier's domain>
    *((f"portail@{email.rsplit('@', 1)[1]}", Role.SUPPLIER, code)
      for code, _name, email in DEMO_SUPPLIERS),
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
            if _has_portal_account(session, supplier_id):
                continue
        session.add(
            User(email=email, role=role.value, password_hash=hash_password(DEMO_PASSWORD),
                 supplier_id=supplier_id)
        )
    return [(email, role.value) for email, role, _ in DEMO_USERS]


def _has_portal_account(session: Session, supplier_id: str) -> bool:
    stmt = select(User.id).where(User.role == Role.SUPPLIER.value,
                                 User.supplier_id == supplier_id)
    return session.scalars(stmt).first() is not None


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
