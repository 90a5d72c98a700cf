"""Helpers shared by the shop, account and back-office tests: forms, orders, users.

Imported by the conftest.py of tests/web/shop, tests/web/accounts and tests/web/staff.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from coc_service.accounts.passwords import hash_password
from coc_service.db.accounts import Role, User
from coc_service.suppliers.catalogue import upsert_catalogue

PASSWORD = "correct horse battery"
VIN = "VF3LBBHZHKS123456"  # a Peugeot WMI (VF3)

VEHICLE = {
    "vehicle.vin": VIN,
    "vehicle.make": "Peugeot",
    "vehicle.first_registration_date": "2018-03-15",
    "vehicle.registration_number": "AB-123-CD",
}
CUSTOMER = {
    "customer.kind": "individual",
    "customer.first_name": "Jeanne",
    "customer.last_name": "Testelin",
    "customer.email": "jeanne.testelin@example.fr",
    "customer.phone": "06 12 34 56 78",
    "billing_address.line1": "12 rue des Lilas",
    "billing_address.postcode": "69003",
    "billing_address.city": "Lyon",
    "billing_address.country": "FR",
    "shipping_same_as_billing": "1",
    "delivery_option": "email",
}
COMPANY = {
    **CUSTOMER,
    "customer.kind": "company",
    "customer.company_name": "Garage Testelin SARL",
    "customer.siren": "732829320",
    "customer.vat_number": "FR44732829320",
}

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: Any, path: str = "/conditions-generales") -> str:
    """Return the CSRF token of the client's session, as a page's form carries it."""
    found = _TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def post(client: Any, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form with the session's CSRF token, as the browser would."""
    form = dict(data or {})
    form.setdefault("csrf_token", csrf(client))
    return client.post(path, data=form, **kwargs)


def jpeg(width: int = 900, height: int = 600) -> bytes:
    """Return a small JPEG with some text-like marks (a stand-in scan)."""
    image = Image.new("L", (width, height), 235)
    pixels = image.load()
    assert pixels is not None
    for row in range(60, height - 60, 28):
        for col in range(60, width - 60):
            if (col // 7) % 3 and (row // 28) % 2 == 0:
                for dy in range(12):
                    pixels[col, row + dy] = 30
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def upload(client: Any, kind: str, payload: bytes, name: str = "scan.jpg", *,
           path: str | None = None, as_json: bool = True) -> Any:
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(
        path or f"/commande/documents/{kind}",
        data={"csrf_token": csrf(client), "file": (io.BytesIO(payload), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


@dataclass
class Placed:
    order_id: str
    reference: str


def start_draft(client: Any, customer: dict[str, str] | None = None,
                vehicle: dict[str, str] | None = None) -> None:
    """Fill the vehicle and customer steps: the draft order exists afterwards."""
    response = post(client, "/commande/vehicule", vehicle or VEHICLE)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    response = post(client, "/commande/coordonnees", customer or CUSTOMER)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/commande/documents")


def place_order(client: Any, customer: dict[str, str] | None = None,
                vehicle: dict[str, str] | None = None, *, marketing: bool = False) -> Placed:
    """Go through the whole order flow; return the submitted order's id and reference."""
    start_draft(client, customer, vehicle)
    image = jpeg()
    for kind in ("identity", "registration"):
        assert upload(client, kind, image).status_code == 200
    form = {"terms_accepted": "1"}
    if marketing:
        form["marketing_consent"] = "1"
    response = post(client, "/commande/recapitulatif", form)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    order_id = response.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    reference = re.search(r"COC-[0-9A-Z]{6}", page)
    assert reference
    return Placed(order_id, reference.group(0))


def unique_email(name: str) -> str:
    """Return an address no other test uses (SQLite tests may see each other's commits)."""
    return f"{name}.{uuid.uuid4().hex[:10]}@example.fr"


def make_user(runtime: Any, email: str, *, role: str = Role.CUSTOMER.value,
              password: str = PASSWORD) -> str:
    """Create an account (committed in the test's transaction); return its id."""
    with runtime.db.transaction() as session:
        user = User(email=email, password_hash=hash_password(password), role=role)
        session.add(user)
        session.flush()
        return user.id


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    response = post(client, "/compte/connexion", {"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def mails_enqueued(runtime: Any) -> list[tuple[str, str]]:
    """Return the (object id, kind) of every send_mail job waiting in the queue."""
    from rq.job import Job
    from rq.serializers import JSONSerializer

    queue = runtime.queue.queue("orders")
    found = []
    for job_id in queue.job_ids:
        job = Job.fetch(job_id, connection=runtime.redis, serializer=JSONSerializer)
        if job.func_name == "workers.notifications.send_mail":
            found.append((job.args[0], job.args[1]))
    return found


@pytest.fixture
def shop(runtime: Any) -> Any:
    """The runtime with the make catalogue in place."""
    with runtime.db.transaction() as session:
        upsert_catalogue(session)
    return runtime


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with tiny cost parameters for these tests (the real ones take ~0.6 s a hash);
    the algorithm and the code paths are the same."""
    from argon2 import PasswordHasher

    from coc_service.accounts import passwords

    monkeypatch.setattr(passwords, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
