"""The order flow end to end through the pages, without JavaScript (plain forms)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coc_service.db.orders import Order
from tests.web.shop.webshop import (
    COMPANY,
    CUSTOMER,
    VEHICLE,
    VIN,
    csrf,
    jpeg,
    mails_enqueued,
    place_order,
    post,
    start_draft,
    upload,
)

pytestmark = pytest.mark.db


def _orders(runtime) -> list[Order]:  # type: ignore[no-untyped-def]
    # a fresh session left open, so that the orders' relationships load in the test
    return list(runtime.db.session().scalars(select(Order)))


def test_private_order_from_vehicle_to_submission(client, shop) -> None:  # type: ignore[no-untyped-def]
    placed = place_order(client)
    (order,) = _orders(shop)
    assert order.id == placed.order_id and order.reference == placed.reference
    assert order.status == "processing"  # submitted, documents queued for reading
    assert order.vin == VIN and order.make == "Peugeot"
    assert order.registration_number == "AB-123-CD"
    assert order.customer_snapshot["email"] == CUSTOMER["customer.email"]
    assert order.customer_snapshot["phone"] == "+33612345678"
    assert order.terms_accepted_at is not None and order.marketing_consent is False
    assert order.price_cents == 14900  # Peugeot, certificate by e-mail
    assert {d.kind for d in order.current_documents()} == {"identity", "registration"}
    assert (order.id, "received") in mails_enqueued(shop)
    page = client.get(f"/commande/confirmation/{order.id}").get_data(as_text=True)
    assert order.reference in page


def test_company_order_keeps_company_details_and_delivery_price(client, shop) -> None:  # type: ignore[no-untyped-def]
    place_order(client, {**COMPANY, "delivery_option": "express"}, marketing=True)
    (order,) = _orders(shop)
    assert order.customer_kind == "company"
    assert order.customer_snapshot["siren"] == "732829320"
    assert order.customer_snapshot["vat_number"] == "FR44732829320"
    assert order.price_cents == 14900 + 2400
    assert order.marketing_consent is True


def test_vehicle_errors_are_tied_to_their_fields(client, shop) -> None:  # type: ignore[no-untyped-def]
    response = post(client, "/commande/vehicule", {**VEHICLE, "vehicle.vin": "VF3LBBHZHKS12345",
                                                   "vehicle.first_registration_date": "2999-01-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-vehicle-vin-error"' in page and "17 lettres et chiffres" in page
    assert 'aria-describedby="f-vehicle-vin-hint f-vehicle-vin-error"' in page
    assert 'aria-invalid="true"' in page
    assert "dans le futur" in page
    assert 'value="VF3LBBHZHKS12345"' in page  # what was typed stays


def test_vin_of_another_make_is_refused(client, shop) -> None:  # type: ignore[no-untyped-def]
    response = post(client, "/commande/vehicule", {**VEHICLE, "vehicle.make": "Renault"})
    assert response.status_code == 422
    assert "Peugeot" in response.get_data(as_text=True)


def test_make_extra_fields_are_required(client, shop) -> None:  # type: ignore[no-untyped-def]
    audi = {**VEHICLE, "vehicle.vin": "WAUZZZ8V5KA123456", "vehicle.make": "Audi"}
    response = post(client, "/commande/vehicule", audi)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="vehicle.extra.colour"' in page and "Couleur de la carrosserie" in page
    ok = post(client, "/commande/vehicule", {**audi, "vehicle.extra.colour": "Gris"})
    assert ok.status_code == 303


def test_company_fields_validated_like_the_checks(client, shop) -> None:  # type: ignore[no-untyped-def]
    post(client, "/commande/vehicule", VEHICLE)
    response = post(client, "/commande/coordonnees",
                    {**COMPANY, "customer.siren": "732829321", "customer.phone": "12"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "SIREN compte 9 chiffres" in page
    assert "numéro valide" in page
    assert 'value="Garage Testelin SARL"' in page
    assert _orders(shop) == []


def test_international_phone_and_separate_shipping_address(client, shop) -> None:  # type: ignore[no-untyped-def]
    customer = {**CUSTOMER, "customer.phone": "+32 470 12 34 56", "shipping_same_as_billing": "",
                "shipping_address.line1": "5 avenue Louise", "shipping_address.postcode": "1050",
                "shipping_address.city": "Bruxelles", "shipping_address.country": "BE",
                "delivery_option": "post"}
    customer.pop("shipping_same_as_billing")
    start_draft(client, customer)
    (order,) = _orders(shop)
    assert order.customer_snapshot["phone"] == "+32470123456"
    assert order.shipping_address["country"] == "BE"
    assert order.billing_address["city"] == "Lyon"
    assert order.price_cents == 14900 + 900


def test_second_click_reload_and_lost_answer_make_one_order(client, shop) -> None:  # type: ignore[no-untyped-def]
    post(client, "/commande/vehicule", VEHICLE)
    token = csrf(client)
    # the customer step sent twice with the same session, as after a lost answer
    saved = client.get_cookie("coc_session").value
    first = client.post("/commande/coordonnees", data={**CUSTOMER, "csrf_token": token})
    client.set_cookie("coc_session", saved)
    second = client.post("/commande/coordonnees", data={**CUSTOMER, "csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert len(_orders(shop)) == 1
    image = jpeg()
    upload(client, "identity", image)
    upload(client, "registration", image)
    done = post(client, "/commande/recapitulatif", {"terms_accepted": "1"})
    again = post(client, "/commande/recapitulatif", {"terms_accepted": "1"})
    assert done.status_code == again.status_code == 303
    (order,) = _orders(shop)
    assert order.status == "processing"
    # the back button after submitting starts a new order instead of touching the sent one
    assert client.get("/commande/documents").headers["Location"].endswith("/commande/vehicule")


def test_back_button_edits_the_draft_in_place(client, shop) -> None:  # type: ignore[no-untyped-def]
    start_draft(client)
    page = client.get("/commande/vehicule").get_data(as_text=True)
    assert f'value="{VIN}"' in page  # the step shows what the draft holds
    assert post(client, "/commande/vehicule",
                {**VEHICLE, "vehicle.registration_number": "EF-456-GH"}).status_code == 303
    page = client.get("/commande/coordonnees").get_data(as_text=True)
    assert 'value="Testelin"' in page
    (order,) = _orders(shop)
    assert order.registration_number == "EF-456-GH"
    assert order.customer_snapshot["last_name"] == "Testelin"


def test_refused_file_keeps_the_draft_and_the_other_upload(client, shop) -> None:  # type: ignore[no-untyped-def]
    start_draft(client)
    assert upload(client, "identity", jpeg()).get_json()["ok"] is True
    bad = upload(client, "registration", b"%!PS-Adobe-3.0 not a scan", "scan.ps")
    assert bad.status_code == 422
    body = bad.get_json()
    assert body["ok"] is False and "n'est pas accepté" in body["message"]
    empty = upload(client, "registration", b"", "empty.jpg")
    assert empty.status_code in (200, 422)
    assert empty.get_json()["ok"] is False
    (order,) = _orders(shop)
    assert [d.kind for d in order.current_documents()] == ["identity"]
    assert order.customer_snapshot["first_name"] == "Jeanne"


def test_plain_form_upload_returns_to_the_page_with_its_message(client, shop) -> None:  # type: ignore[no-untyped-def]
    start_draft(client)
    response = upload(client, "identity", b"GIF89a not accepted", "x.gif", as_json=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/commande/documents#upload-identity")
    page = client.get("/commande/documents").get_data(as_text=True)
    assert "notice--error" in page and "n&#39;est pas accepté" in page
    response = upload(client, "identity", jpeg(), as_json=False)
    page = client.get("/commande/documents").get_data(as_text=True)
    assert "Document reçu" in page and "Fichier reçu : JPEG" in page


def test_too_large_file_gets_a_clear_message(client, shop, app) -> None:  # type: ignore[no-untyped-def]
    start_draft(client)
    shop.settings = shop.settings.with_overrides(max_upload_bytes=200_000)
    response = upload(client, "identity", b"\xff\xd8\xff" + b"0" * 250_000)
    assert response.status_code == 422
    assert "dépasse 0 Mo" not in response.get_json()["message"]
    assert "dépasse" in response.get_json()["message"]
    # far above the limit the server cuts the request off before the view: same message
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    response = upload(client, "registration", b"\xff\xd8\xff" + b"0" * 150_000)
    assert response.status_code == 413
    assert "dépasse" in response.get_json()["message"]


def test_second_upload_replaces_the_first(client, shop) -> None:  # type: ignore[no-untyped-def]
    start_draft(client)
    upload(client, "identity", jpeg())
    upload(client, "identity", jpeg(1000, 700))
    (order,) = _orders(shop)
    assert len([d for d in order.current_documents() if d.kind == "identity"]) == 1


def test_submit_needs_terms_and_both_documents(client, shop) -> None:  # type: ignore[no-untyped-def]
    start_draft(client)
    upload(client, "identity", jpeg())
    missing = post(client, "/commande/documents/suite")
    assert missing.headers["Location"].endswith("/commande/documents")
    no_terms = post(client, "/commande/recapitulatif", {})
    assert no_terms.status_code == 422
    page = no_terms.get_data(as_text=True)
    assert "acceptez les conditions" in page
    response = post(client, "/commande/recapitulatif", {"terms_accepted": "1"})
    assert response.headers["Location"].endswith("/commande/documents")
    (order,) = _orders(shop)
    assert order.status == "draft"


def test_marketing_box_is_separate_and_not_ticked(client, shop) -> None:  # type: ignore[no-untyped-def]
    start_draft(client)
    page = client.get("/commande/recapitulatif").get_data(as_text=True)
    def tag(name: str) -> str:
        start = page.index(f'name="{name}"')
        return page[page.rindex("<input", 0, start):page.index(">", start)]

    marketing, terms = tag("marketing_consent"), tag("terms_accepted")
    assert "checked" not in marketing
    assert "checked" not in terms
    assert "required" in terms and "required" not in marketing


def test_vin_feedback_endpoint(client, shop) -> None:  # type: ignore[no-untyped-def]
    token = csrf(client)
    answer = client.post("/commande/vin", json={"vin": "vf3 lbb hzh ks12345 6"},
                         headers={"X-CSRFToken": token}).get_json()
    assert answer["ok"] is True and answer["make"] == "Peugeot"
    assert answer["offer"]["make"] == "Peugeot" and "149,00" in answer["offer"]["price"]
    short = client.post("/commande/vin", json={"vin": "VF3LBB"}, headers={"X-CSRFToken": token})
    assert short.get_json()["ok"] is False and "6" in short.get_json()["message"]
    with_o = client.post("/commande/vin", json={"vin": "VF3LBBHZHKS12345O"},
                         headers={"X-CSRFToken": token}).get_json()
    assert with_o["vin"] == "VF3LBBHZHKS123450" and "I, O et Q" in with_o["message"]
    # never by GET: the VIN must not sit in a URL; never without the CSRF token
    assert client.get("/commande/vin?vin=" + VIN).status_code == 405
    assert client.post("/commande/vin", json={"vin": VIN}).status_code == 400


def test_english_pages_and_prices(client, shop) -> None:  # type: ignore[no-untyped-def]
    post(client, "/langue", {"lang": "en", "next": "/commande/vehicule"})
    page = client.get("/commande/vehicule").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "€149.00" in page


def test_steps_without_a_draft_send_back_to_the_start(client, shop) -> None:  # type: ignore[no-untyped-def]
    for path in ("/commande/coordonnees", "/commande/documents", "/commande/recapitulatif"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/commande/vehicule")
    assert _orders(shop) == []


def test_draft_count_stays_one_over_the_whole_flow(client, shop) -> None:  # type: ignore[no-untyped-def]
    place_order(client)
    with shop.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
