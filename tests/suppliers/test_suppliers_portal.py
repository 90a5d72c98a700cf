"""The supplier portal: own bundles only, audited download, acknowledgement, certificate.

Then the customer's side: the order page and the API offer the certificate as a download.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from coc_service.accounts.tokens import create_order_token
from coc_service.db.audit import AuditEvent
from coc_service.db.orders import Order
from coc_service.suppliers.bundles import read_bundle
from tests.suppliers.conftest import Approved, pdf_bytes, supplier_account
from tests.web.shop.webshop import csrf, jpeg, login, mails_enqueued, make_user, post, unique_email
from workers.suppliers import forward_order

pytestmark = pytest.mark.db

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad"


@pytest.fixture
def forwarded(approved: Approved, shop: Any) -> Approved:
    assert forward_order(approved.order_id) == "forwarded"
    shop.redis.flushdb()
    return approved


@pytest.fixture
def supplier(app: Any, shop: Any) -> Any:
    """A logged-in client of euro-coc's portal account (Peugeot's supplier)."""
    client = app.test_client()
    response = login(client, supplier_account(shop, "euro-coc"))
    assert response.headers["Location"].endswith("/fournisseur")  # the portal, not "my orders"
    menu = client.get("/").get_data(as_text=True)
    assert 'href="/fournisseur">Espace fournisseur' in menu and "Back-office" not in menu
    return client


def _order(runtime: Any, order_id: str) -> Order:
    return runtime.db.session().get(Order, order_id)  # type: ignore[no-any-return]


def _send_certificate(client: Any, order_id: str, payload: bytes, name: str) -> Any:
    import io

    path = f"/fournisseur/commande/{order_id}"
    return client.post(f"{path}/certificat", content_type="multipart/form-data",
                       data={"csrf_token": csrf(client, path), "file": (io.BytesIO(payload), name)})


def test_anonymous_visitors_are_sent_to_the_login(client: Any, forwarded: Approved) -> None:
    base = f"/fournisseur/commande/{forwarded.order_id}"
    for path in ("/fournisseur", base, f"{base}/dossier"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/compte/connexion")
    assert client.post(f"{base}/accuser-reception").status_code == 400  # no CSRF token


def test_other_people_get_404(app: Any, shop: Any, forwarded: Approved) -> None:
    base = f"/fournisseur/commande/{forwarded.order_id}"
    other = app.test_client()
    login(other, supplier_account(shop, "nordauto"))
    assert forwarded.reference not in other.get("/fournisseur").get_data(as_text=True)
    for path in (base, f"{base}/dossier"):
        assert other.get(path).status_code == 404, path
    assert post(other, f"{base}/accuser-reception").status_code == 404
    assert _send_certificate(other, forwarded.order_id, pdf_bytes(), "c.pdf").status_code == 404
    assert _order(shop, forwarded.order_id).status == "forwarded"
    # customers and staff have no portal
    for role in ("customer", "staff"):
        person = app.test_client()
        email = unique_email(role)
        make_user(shop, email, role=role)
        login(person, email)
        assert person.get("/fournisseur").status_code == 404
        assert person.get(base).status_code == 404


def test_the_supplier_downloads_its_bundle_audited(supplier: Any, shop: Any,
                                                   forwarded: Approved) -> None:
    listing = supplier.get("/fournisseur").get_data(as_text=True)
    assert forwarded.reference in listing
    page = supplier.get(f"/fournisseur/commande/{forwarded.order_id}").get_data(as_text=True)
    assert "VF3LBBHZHKS123456" in page and "Télécharger le dossier" in page
    assert "Pays d&#39;immatriculation</dt><dd>FR</dd>" in page  # extras under their label
    with supplier.get(f"/fournisseur/commande/{forwarded.order_id}/dossier") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="dossier-{forwarded.reference}.zip"')
        assert response.mimetype == "application/zip"
        data = response.get_data()
    manifest, files = read_bundle(data)
    assert manifest["order"]["id"] == forwarded.order_id
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
    events = shop.db.session().scalars(select(AuditEvent).where(
        AuditEvent.action == "document.downloaded",
        AuditEvent.details["order_id"].as_string() == forwarded.order_id)).all()
    assert [(e.actor_role, e.object_type) for e in events] == [("supplier", "document")]


def test_acknowledge_then_certificate_reaches_the_customer(supplier: Any, shop: Any,
                                                           forwarded: Approved) -> None:
    base = f"/fournisseur/commande/{forwarded.order_id}"
    assert post(supplier, f"{base}/accuser-reception").status_code == 303
    assert _order(shop, forwarded.order_id).status == "acknowledged"
    assert post(supplier, f"{base}/accuser-reception").status_code == 303  # a double click
    order = _order(shop, forwarded.order_id)
    assert [t.to_status for t in order.transitions].count("acknowledged") == 1

    certificate = pdf_bytes()
    sent = _send_certificate(supplier, forwarded.order_id, certificate, "coc.pdf")
    assert sent.status_code == 303
    assert "Certificat reçu" in supplier.get(sent.headers["Location"]).get_data(as_text=True)
    assert _order(shop, forwarded.order_id).status == "certificate_received"
    assert mails_enqueued(shop).count((forwarded.order_id, "certificate_ready")) == 1

    # the customer's order page says so and offers the file as a download
    customer = forwarded.customer
    page = customer.get(f"/suivi/commande/{forwarded.order_id}").get_data(as_text=True)
    assert "Certificat disponible" in page and "Télécharger mon certificat (PDF)" in page
    with customer.get(f"/suivi/commande/{forwarded.order_id}/certificat") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.mimetype == "application/pdf"
        assert response.get_data() == certificate
    status = customer.get(f"/suivi/commande/{forwarded.order_id}/statut").get_json()
    assert "download_certificate" in status["actions"]

    # and so does the API, for the order's token
    with shop.db.transaction() as session:
        _row, token = create_order_token(session, session.get(Order, forwarded.order_id))
    headers = {"Authorization": f"Bearer {token}"}
    view = customer.get(f"/api/v1/orders/{forwarded.order_id}", headers=headers).get_json()
    assert view["status"] == "certificate_received"
    assert "download_certificate" in view["actions"]
    assert "certificate_ready" in {e["code"] for e in view["explanations"]}
    assert "bundle" not in {d["kind"] for d in view["documents"]}  # the supplier's, not hers
    documents = [d for d in view["documents"] if d["kind"] == "certificate"]
    assert len(documents) == 1 and documents[0]["downloadable"] is True
    download = customer.get(
        f"/api/v1/orders/{forwarded.order_id}/documents/{documents[0]['id']}/download",
        headers=headers)
    assert download.status_code == 200 and download.get_data() == certificate

    # a second certificate is refused and the first one is kept
    again = _send_certificate(supplier, forwarded.order_id, pdf_bytes(90), "autre.pdf")
    assert "déjà été reçu" in supplier.get(again.headers["Location"]).get_data(as_text=True)
    with customer.get(f"/suivi/commande/{forwarded.order_id}/certificat") as response:
        assert response.get_data() == certificate


@pytest.mark.parametrize(("payload", "message"), [
    (jpeg(), "doit être un fichier PDF"),
    ((BAD / "encrypted.pdf").read_bytes(), "protégé par un mot de passe"),
    ((BAD / "garbage.pdf").read_bytes(), "endommagé"),
    (b"", "Le fichier est vide"),
])
def test_a_refused_certificate_loses_nothing(supplier: Any, shop: Any, forwarded: Approved,
                                             payload: bytes, message: str) -> None:
    base = f"/fournisseur/commande/{forwarded.order_id}"
    post(supplier, f"{base}/accuser-reception")
    sent = _send_certificate(supplier, forwarded.order_id, payload, "certificat.pdf")
    assert sent.status_code == 303
    page = supplier.get(sent.headers["Location"]).get_data(as_text=True)
    assert message in page
    order = _order(shop, forwarded.order_id)
    assert order.status == "acknowledged"
    assert [d.kind for d in order.current_documents()].count("certificate") == 0
    assert mails_enqueued(shop).count((forwarded.order_id, "certificate_ready")) == 0
    # the bundle is untouched, and a good file is still accepted afterwards
    assert supplier.get(f"{base}/dossier").status_code == 200
    assert _send_certificate(supplier, forwarded.order_id, pdf_bytes(), "c.pdf").status_code == 303
    assert _order(shop, forwarded.order_id).status == "certificate_received"


def test_the_portal_speaks_english(supplier: Any, forwarded: Approved) -> None:
    supplier.post("/langue", data={"lang": "en", "csrf_token": csrf(supplier)})
    page = supplier.get(f"/fournisseur/commande/{forwarded.order_id}").get_data(as_text=True)
    assert "Download the bundle (ZIP)" in page and "Confirm receipt" in page


def test_an_erased_bundle_is_gone_for_the_supplier_too(supplier: Any, shop: Any,
                                                       forwarded: Approved) -> None:
    from coc_service.db.base import utcnow
    from coc_service.privacy.erasure import erase_documents

    with shop.db.transaction() as session:
        order = session.get(Order, forwarded.order_id)
        bundles = [d for d in order.current_documents() if d.kind == "bundle"]
        assert len(bundles) == 1
        erase_documents(session, shop, order, bundles, now=utcnow())  # as retention does
    base = f"/fournisseur/commande/{forwarded.order_id}"
    assert "plus conservé" in supplier.get(base).get_data(as_text=True)
    assert supplier.get(f"{base}/dossier").status_code == 404
    # the supplier can still send the certificate, which the customer then downloads
    assert _send_certificate(supplier, forwarded.order_id, pdf_bytes(), "c.pdf").status_code == 303
    assert _order(shop, forwarded.order_id).status == "certificate_received"


def test_the_customers_export_names_the_supplier_as_such(supplier: Any, shop: Any,
                                                         forwarded: Approved) -> None:
    import io
    import json
    import zipfile

    from coc_service.db.accounts import User
    from coc_service.privacy.export import export_personal_data

    base = f"/fournisseur/commande/{forwarded.order_id}"
    assert post(supplier, f"{base}/accuser-reception").status_code == 303
    owner_id = make_user(shop, unique_email("titulaire"))
    with shop.db.transaction() as session:
        order = session.get(Order, forwarded.order_id)
        order.user_id = owner_id  # the order was a guest's: give it an account to export
        owner = session.get(User, owner_id)
        target = io.BytesIO()
        export_personal_data(session, shop, owner, target)
    data = json.loads(zipfile.ZipFile(target).read("data.json"))
    timeline = data["orders"][0]["timeline"]
    assert timeline[-1]["to"] == "acknowledged" and timeline[-1]["by"] == "supplier"
    assert all(step["by"] in {"you", "system", "supplier"} for step in timeline)
