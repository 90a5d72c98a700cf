"""Sample order data and small generated scans shared by the order service and API tests."""

from __future__ import annotations

import copy
import io
from typing import Any

from PIL import Image, ImageDraw

ORDER: dict[str, Any] = {
    "customer": {"first_name": "Jean", "last_name": "Dupont", "email": "jean@example.fr",
                 "phone": "06 12 34 56 78", "company_name": None, "siren": None,
                 "vat_number": None},
    "vehicle": {"vin": "VF3LBBHZHKS123456", "first_registration_date": "2018-03-15",
                "make": "Peugeot"},
    "submitted_at": "2026-11-22",
    "billing_address": {"line1": "12 rue de la Paix", "line2": None, "postcode": "75002",
                        "city": "Paris", "country": "FR"},
    "shipping_address": {"line1": "12 rue de la Paix", "line2": None, "postcode": "75002",
                         "city": "Paris", "country": "FR"},
}


def order_data(**changes: Any) -> dict[str, Any]:
    """Return a deep copy of ORDER with changes by path, e.g. order_data(vehicle__vin="X")."""
    data = copy.deepcopy(ORDER)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for name in parents:
            target = target.setdefault(name, {})
        target[last] = value
    return data


def scan_bytes(fmt: str = "JPEG", size: tuple[int, int] = (900, 600), seed: int = 1) -> bytes:
    """Return a small document-like image (dark lines on a light card) encoded as `fmt`."""
    image = Image.new("RGB", size, (235, 232, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, size[0] - 30, size[1] - 30), outline=(40, 40, 40), width=4)
    for row in range(8):
        y = 80 + row * 55
        draw.rectangle((60, y, 60 + ((row * 97 + seed * 31) % 500) + 200, y + 18),
                       fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """Return a one-page PDF made by Pillow (a scan-like page)."""
    out = io.BytesIO()
    Image.open(io.BytesIO(scan_bytes())).save(out, format="PDF", resolution=150)
    return out.getvalue()
