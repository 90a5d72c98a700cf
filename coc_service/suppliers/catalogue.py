"""The make catalogue: which supplier serves which make, at what price and lead time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coc_service.db.suppliers import CatalogueEntry, Supplier


@dataclass(frozen=True)
class MakeOffer:
    make: str
    supplier_code: str
    price_cents: int
    lead_time_days: int
    required_fields: list[dict[str, Any]] = field(default_factory=list)


DEMO_SUPPLIERS = (
    ("euro-coc", "Euro COC Services", "commandes@euro-coc.example"),
    ("nordauto", "Nordauto Conformité", "coc@nordauto.example"),
)

_COLOUR = {"name": "colour", "label_fr": "Couleur de la carrosserie", "label_en": "Body colour"}
_ENGINE = {"name": "engine_code", "label_fr": "Code moteur", "label_en": "Engine code"}

DEMO_CATALOGUE = (
    MakeOffer("Peugeot", "euro-coc", 14900, 5),
    MakeOffer("Citroën", "euro-coc", 14900, 5),
    MakeOffer("DS", "euro-coc", 16900, 7),
    MakeOffer("Opel", "euro-coc", 15900, 7),
    MakeOffer("Fiat", "euro-coc", 15900, 10),
    MakeOffer("Alfa Romeo", "euro-coc", 18900, 10),
    MakeOffer("Renault", "nordauto", 13900, 4),
    MakeOffer("Dacia", "nordauto", 12900, 4),
    MakeOffer("Volkswagen", "nordauto", 16900, 6),
    MakeOffer("Audi", "nordauto", 18900, 6, [_COLOUR]),
    MakeOffer("Skoda", "nordauto", 15900, 6),
    MakeOffer("Seat", "nordauto", 15900, 6),
    MakeOffer("BMW", "nordauto", 19900, 8, [_COLOUR]),
    MakeOffer("Mercedes-Benz", "nordauto", 21900, 10, [_COLOUR, _ENGINE]),
    MakeOffer("Toyota", "nordauto", 17900, 12),
    MakeOffer("Ford", "euro-coc", 16900, 8),
)


def active_offers(session: Session) -> list[CatalogueEntry]:
    """Return the makes on sale, alphabetically."""
    stmt = select(CatalogueEntry).where(CatalogueEntry.active.is_(True)).order_by(
        CatalogueEntry.make
    )
    return list(session.scalars(stmt))


def offer_for_make(session: Session, make: str) -> CatalogueEntry | None:
    stmt = select(CatalogueEntry).where(
        CatalogueEntry.make == make, CatalogueEntry.active.is_(True)
    )
    return session.scalars(stmt).first()


def upsert_catalogue(session: Session, offers: tuple[MakeOffer, ...] = DEMO_CATALOGUE) -> int:
    """Create or update suppliers and catalogue rows; return how many rows changed."""
    suppliers: dict[str, Supplier] = {}
    for code, name, email in DEMO_SUPPLIERS:
        supplier = session.scalars(select(Supplier).where(Supplier.code == code)).first()
        if supplier is None:
            supplier = Supplier(code=code, name=name, contact_email=email)
            session.add(supplier)
            session.flush()
        suppliers[code] = supplier
    changed = 0
    for offer in offers:
        stmt = select(CatalogueEntry).where(CatalogueEntry.make == offer.make)
        entry = session.scalars(stmt).first()
        if entry is None:
            entry = CatalogueEntry(make=offer.make)
            session.add(entry)
            changed += 1
        entry.supplier_id = suppliers[offer.supplier_code].id
        entry.price_cents = offer.price_cents
        entry.lead_time_days = offer.lead_time_days
        entry.required_fields = list(offer.required_fields)
    return changed
