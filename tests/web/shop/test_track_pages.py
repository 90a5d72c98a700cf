"""Following an order: timeline, status JSON, signed links, explanations, re-upload,
certificate download, and the e-mails."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from coc_service.db.orders import CheckResult, Order
from coc_service.mail.links import order_link_token
from coc_service.mail.messages import build_mail, to_message
from coc_service.orders.lifecycle import transition
from coc_service.orders.service import attach_certificate
from coc_service.orders.staff import request_reupload
from tests.web.shop.webshop import CUSTOMER, VIN, jpeg, mails_enqueued, place_order, post, upload

pytestmark = pytest.mark.db


def _pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _move(runtime, order_id: str, *states: str) -> None:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        order = session.get(Order, order_id)
        for state in states:
            transition(session, order, state, actor="system")


def test_order_page_shows_the_timeline_and_updates_by_json(client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    page = client.get(f"/suivi/commande/{placed.order_id}").get_data(as_text=True)
    assert placed.reference in page
    assert "Commande reçue" in page and 'aria-current="step"' in page
    assert "Vérification de vos documents" in page
    assert 'src="/static/js/track.js"' in page
    status = client.get(f"/suivi/commande/{placed.order_id}/statut")
    body = status.get_json()
    assert status.headers["Cache-Control"] == "no-store"
    assert body["status"] == "processing" and body["settled"] is False
    _move(shop, placed.order_id, "auto_approved", "forwarded")
    later = client.get(f"/suivi/commande/{placed.order_id}/statut").get_json()
    assert later["version"] != body["version"]
    assert later["status"] == "forwarded" and "Transmise au constructeur" in later["html"]


def test_signed_link_opens_a_guest_order_and_is_not_kept_in_the_url(app, client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    stranger = app.test_client()
    assert stranger.get(f"/suivi/commande/{placed.order_id}").status_code == 404
    token = order_link_token(app.config["SECRET_KEY"], placed.order_id)
    response = stranger.get(f"/suivi/lien/{token}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/suivi/commande/{placed.order_id}"
    assert stranger.get(f"/suivi/commande/{placed.order_id}").status_code == 200
    forged = app.test_client().get(f"/suivi/lien/{token[:-2]}xx")
    assert forged.headers["Location"].endswith("/suivi")


def test_find_form_resends_the_link_without_telling_who_ordered(app, client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    visitor = app.test_client()
    wrong = post(visitor, "/suivi", {"reference": placed.reference, "email": "x@example.fr"})
    right = post(visitor, "/suivi", {"reference": placed.reference.lower(),
                                     "email": CUSTOMER["customer.email"].upper()})
    assert wrong.status_code == right.status_code == 200
    assert "Si une commande correspond" in wrong.get_data(as_text=True)
    assert mails_enqueued(shop).count((placed.order_id, "link")) == 1


def test_needs_review_page_explains_the_vin_typo_in_plain_words(client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    with shop.db.transaction() as session:
        session.add(CheckResult(order_id=placed.order_id, position=0, name="vin_match",
                                status="fail", detail="VIN differs by one character",
                                detail_fr="Le VIN diffère d'un caractère",
                                evidence={"reason": "vin_typo", "items": []}))
        session.add(CheckResult(order_id=placed.order_id, position=1, name="duplicates",
                                status="fail", detail="staff only", detail_fr="réservé",
                                evidence={"reason": "same_identity", "items": []}))
        transition(session, session.get(Order, placed.order_id), "needs_review", actor="system")
    page = client.get(f"/suivi/commande/{placed.order_id}").get_data(as_text=True)
    assert "diffère d&#39;un caractère de celui de votre certificat" in page
    assert "réservé" not in page  # staff-only doubts are not shown to the customer
    assert "En cours d&#39;examen par notre équipe" in page


def test_reupload_after_a_staff_request_goes_back_to_the_checks(client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    with shop.db.transaction() as session:
        order = session.get(Order, placed.order_id)
        transition(session, order, "needs_review", actor="system")
        request_reupload(session, order, "registration", actor="staff",
                         reason="Le coin gauche est coupé.")
    page = client.get(f"/suivi/commande/{placed.order_id}").get_data(as_text=True)
    assert "Le coin gauche est coupé." in page
    assert f'action="/suivi/commande/{placed.order_id}/documents/registration"' in page
    assert 'capture="environment"' in page and 'accept="image/*,application/pdf"' in page
    bad = upload(client, "registration", b"not an image", "x.txt",
                 path=f"/suivi/commande/{placed.order_id}/documents/registration")
    assert bad.status_code == 422
    good = upload(client, "registration", jpeg(),
                  path=f"/suivi/commande/{placed.order_id}/documents/registration")
    assert good.status_code == 200 and good.get_json()["reload"] is True
    with shop.db.transaction() as session:
        assert session.get(Order, placed.order_id).status == "processing"
    # only the document asked for, only while asked
    again = upload(client, "registration", jpeg(),
                   path=f"/suivi/commande/{placed.order_id}/documents/registration")
    assert again.status_code == 404


def test_certificate_is_downloaded_as_an_attachment(client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    _move(shop, placed.order_id, "auto_approved", "forwarded")
    pdf = _pdf()
    with shop.db.transaction() as session:
        attach_certificate(session, shop, session.get(Order, placed.order_id), io.BytesIO(pdf),
                           actor="supplier")
    page = client.get(f"/suivi/commande/{placed.order_id}").get_data(as_text=True)
    assert "Télécharger mon certificat" in page and "Certificat disponible" in page
    response = client.get(f"/suivi/commande/{placed.order_id}/certificat")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data() == pdf


def test_order_mails_in_the_customer_language_without_personal_data_in_links(  # type: ignore[no-untyped-def]
        client, shop) -> None:
    post(client, "/langue", {"lang": "en"})
    placed = place_order(client)  # ordered in English: the order keeps the language
    kinds = ("received", "action_needed", "forwarded", "certificate_ready", "rejected", "link")
    for locale, hello in (("en", "Hello"), ("fr", "Bonjour")):
        with shop.db.transaction() as session:
            order = session.get(Order, placed.order_id)
            assert locale != "en" or order.locale == "en"
            order.locale = locale
            mails = {kind: build_mail(session, shop.settings, placed.order_id, kind)
                     for kind in kinds}
        received = mails["received"]
        assert received is not None and received.to == CUSTOMER["customer.email"]
        assert placed.reference in received.subject and placed.reference in received.body
        for mail in mails.values():
            assert mail is not None and hello in mail.body
            for link in re.findall(r"https?://\S+", mail.body):
                assert "@" not in link and VIN not in link and "Testelin" not in link
                assert "/suivi" not in link or "/suivi/lien/" in link  # a guest's signed link
        message = to_message(received, shop.settings)
        assert not message.is_multipart()


def test_send_mail_job_writes_the_message(client, shop) -> None:  # type: ignore[no-untyped-def]
    from workers.notifications import send_mail

    placed = place_order(client)
    assert send_mail(placed.order_id, "received") is True
    (eml,) = (shop.settings.var_dir / "mail").glob("*.eml")
    text = eml.read_text(encoding="utf-8", errors="replace")
    assert placed.reference in text and "To: " + CUSTOMER["customer.email"] in text
    assert "Content-Type: text/plain" in text and "application/" not in text
    assert send_mail("no-such-order", "received") is False


def test_customer_cancels_before_the_supplier_has_it(client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    page = client.get(f"/suivi/commande/{placed.order_id}").get_data(as_text=True)
    assert "Annuler ma commande" in page
    assert post(client, f"/suivi/commande/{placed.order_id}/annuler").status_code == 303
    with shop.db.transaction() as session:
        assert session.get(Order, placed.order_id).status == "cancelled"
    later = place_order(client)
    _move(shop, later.order_id, "auto_approved", "forwarded")
    refused = post(client, f"/suivi/commande/{later.order_id}/annuler")
    assert "ne peut plus être annulée" in client.get(refused.headers["Location"]).get_data(
        as_text=True)
    with shop.db.transaction() as session:
        assert session.get(Order, later.order_id).status == "forwarded"
