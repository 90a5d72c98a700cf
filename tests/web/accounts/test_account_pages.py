"""Accounts: register, log in and out, reset a password, the saved profile, rights, tokens."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from coc_service.accounts.tokens import authenticate
from coc_service.db.accounts import ApiToken, User
from coc_service.mail.messages import build_mail
from tests.web.shop.webshop import (
    CUSTOMER,
    PASSWORD,
    csrf,
    login,
    mails_enqueued,
    make_user,
    place_order,
    post,
    unique_email,
)

pytestmark = pytest.mark.db


def _user(runtime, email: str) -> User:  # type: ignore[no-untyped-def]
    return runtime.db.session().scalars(select(User).where(User.email == email)).one()


def _register(client, email: str, **extra: str):  # type: ignore[no-untyped-def]
    form = {"email": email, "password": PASSWORD, "password_confirm": PASSWORD,
            "terms_accepted": "1", **extra}
    return post(client, "/compte/inscription", form)


def test_register_logs_in_and_hashes_with_argon2id(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("new")
    response = _register(client, email)
    assert response.status_code == 303
    user = _user(shop, email)
    assert user.password_hash.startswith("$argon2id$")
    assert user.marketing_consent is False
    assert client.get("/compte").status_code == 200
    again = _register(client.application.test_client(), email)
    assert again.status_code == 422 and "existe déjà" in again.get_data(as_text=True)


def test_register_refuses_short_passwords_and_needs_terms(client, shop) -> None:  # type: ignore[no-untyped-def]
    response = post(client, "/compte/inscription",
                    {"email": unique_email("x"), "password": "court", "password_confirm": "court"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "au moins 10 caractères" in page and "Acceptez les conditions" in page


def test_login_logout_and_wrong_password(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("login")
    make_user(shop, email)
    wrong = post(client, "/compte/connexion", {"email": email, "password": "nope nope nope"})
    assert wrong.status_code == 401 and "incorrect" in wrong.get_data(as_text=True)
    login(client, email)
    assert client.get("/compte").status_code == 200
    assert post(client, "/compte/deconnexion").status_code == 303
    assert client.get("/compte").status_code == 302


def test_login_is_rate_limited_through_redis(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("limited")
    make_user(shop, email)
    limit = shop.settings.rate_limit_login_per_15min
    codes = [post(client, "/compte/connexion",
                  {"email": email, "password": "wrong-guess"}).status_code
             for _ in range(limit + 1)]
    assert codes[:limit] == [401] * limit and codes[limit] == 429
    # even the right password is refused while the window lasts
    right = post(client, "/compte/connexion", {"email": email, "password": PASSWORD})
    assert right.status_code == 429
    assert any(key.startswith(b"coc:ratelimit:login:") for key in shop.redis.keys("coc:*"))


def test_password_reset_by_email_is_single_use(app, client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("reset")
    user_id = make_user(shop, email)
    response = post(client, "/compte/mot-de-passe-oublie", {"email": email})
    unknown = post(client, "/compte/mot-de-passe-oublie", {"email": unique_email("nobody")})
    # the same answer whether or not the account exists (CSRF tokens carry a timestamp)
    def page(r):  # type: ignore[no-untyped-def]
        # every signed CSRF token (form fields and meta tag): payload.timestamp.signature
        return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", r.get_data(as_text=True))

    assert page(response) == page(unknown)
    assert (user_id, "password_reset") in mails_enqueued(shop)
    with shop.db.transaction() as session:
        mail = build_mail(session, shop.settings, user_id, "password_reset")
    assert mail is not None and mail.to == email
    link = re.search(r"https?://\S+/compte/reinitialiser/(\S+)", mail.body)
    assert link
    visitor = app.test_client()
    opened = visitor.get(f"/compte/reinitialiser/{link.group(1)}")
    assert opened.headers["Location"] == "/compte/reinitialiser"  # the token leaves the URL
    new_password = "a brand new passphrase"
    changed = post(visitor, "/compte/reinitialiser",
                   {"password": new_password, "password_confirm": new_password})
    assert changed.status_code == 303
    login(app.test_client(), email, new_password)
    # the same link a second time: refused
    replay = app.test_client()
    replay.get(f"/compte/reinitialiser/{link.group(1)}")
    assert replay.get("/compte/reinitialiser").headers["Location"].endswith(
        "/compte/mot-de-passe-oublie")


def test_reset_requests_are_rate_limited(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("spam")
    limit = shop.settings.rate_limit_login_per_15min
    codes = [post(client, "/compte/mot-de-passe-oublie", {"email": email}).status_code
             for _ in range(limit + 1)]
    assert codes[-1] == 429


def test_session_version_bump_logs_out_everywhere(app, client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("twice")
    make_user(shop, email)
    login(client, email)
    other_device = app.test_client()
    login(other_device, email)
    changed = post(client, "/compte/mot-de-passe", {"current_password": PASSWORD,
                                                     "password": "another long secret",
                                                     "password_confirm": "another long secret"})
    assert changed.status_code == 303
    assert client.get("/compte").status_code == 200  # this device stays logged in
    assert other_device.get("/compte").status_code == 302  # the other one is logged out


def test_saved_profile_fills_the_next_order(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("profile")
    make_user(shop, email)
    login(client, email)
    place_order(client, {**CUSTOMER, "customer.email": email})
    post(client, "/commande/vehicule", {"vehicle.vin": "VF3LBBHZHKS654321",
                                        "vehicle.make": "Peugeot",
                                        "vehicle.first_registration_date": "2019-05-02"})
    page = client.get("/commande/coordonnees").get_data(as_text=True)
    assert 'value="Jeanne"' in page and 'value="12 rue des Lilas"' in page
    orders = client.get("/compte").get_data(as_text=True)
    assert re.search(r"COC-[0-9A-Z]{6}", orders)


def test_modifier_mes_donnees(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("edit")
    make_user(shop, email)
    login(client, email)
    form = {"customer.kind": "company", "customer.first_name": "Paul", "customer.last_name": "Roux",
            "customer.email": email, "customer.phone": "+33 6 11 22 33 44",
            "customer.company_name": "Roux SAS", "customer.siren": "732829320",
            "billing_address.line1": "3 place Bellecour", "billing_address.postcode": "69002",
            "billing_address.city": "Lyon", "billing_address.country": "FR", "locale": "en"}
    bad = post(client, "/compte/donnees", {**form, "customer.siren": "123"})
    assert bad.status_code == 422 and "SIREN" in bad.get_data(as_text=True)
    assert post(client, "/compte/donnees", form).status_code == 303
    user = _user(shop, email)
    assert user.locale == "en"
    assert user.customer is not None and user.customer.company_name == "Roux SAS"
    assert user.customer.phone == "+33611223344"
    assert user.customer.address("billing").city == "Lyon"
    # a new login e-mail needs the current password
    changed = post(client, "/compte/donnees", {**form, "customer.email": unique_email("moved")})
    assert changed.status_code == 422


def test_unsubscribe_from_marketing(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("mkt")
    _register(client, email, marketing_consent="1")
    assert _user(shop, email).marketing_consent is True
    assert post(client, "/compte/vie-privee/desinscription").status_code == 303
    assert _user(shop, email).marketing_consent is False


def test_download_my_data_as_a_zip(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("export")
    make_user(shop, email)
    login(client, email)
    place_order(client, {**CUSTOMER, "customer.email": email})
    with client.get("/compte/vie-privee/mes-donnees.zip") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    data = json.loads(archive.read("data.json"))
    assert len(data["orders"]) == 1


def test_deactivate_needs_the_password_then_blocks_login(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("leaving")
    make_user(shop, email)
    login(client, email)
    refused = post(client, "/compte/vie-privee/desactiver", {"password": "not it at all"})
    assert refused.status_code == 422
    done = post(client, "/compte/vie-privee/desactiver", {"password": PASSWORD})
    assert done.status_code == 303
    assert _user(shop, email).status == "deactivated"
    assert client.get("/compte").status_code == 302
    again = post(client, "/compte/connexion", {"email": email, "password": PASSWORD})
    assert again.status_code == 401


def test_erasure_anonymises_the_account(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("erase")
    user_id = make_user(shop, email)
    login(client, email)
    assert post(client, "/compte/vie-privee/effacement", {"password": PASSWORD}).status_code == 303
    user = shop.db.session().get(User, user_id)
    assert user.status == "erased" and user.email != email


def test_api_tokens_are_shown_once_and_revocable(client, shop) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("api")
    make_user(shop, email)
    login(client, email)
    page = post(client, "/compte/jetons", {"name": "site du garage"}).get_data(as_text=True)
    clear = re.search(r'id="new-token">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert clear.startswith("coca_")
    assert clear not in client.get("/compte/jetons").get_data(as_text=True)
    with shop.db.transaction() as session:
        assert authenticate(session, clear) is not None
        token_id = session.scalars(
            select(ApiToken.id).where(ApiToken.name == "site du garage")).one()
    assert post(client, f"/compte/jetons/{token_id}/revoquer").status_code == 303
    with shop.db.transaction() as session:
        assert authenticate(session, clear) is None
    token = csrf(client)
    assert token  # the page still works after a revoke
