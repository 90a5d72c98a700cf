"""Every page of the site tried as an anonymous visitor, as the order's owner and as another
customer, who gets 404 for anything that is not theirs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from coc_service.accounts.tokens import create_account_token
from coc_service.db.accounts import User
from coc_service.db.orders import Order
from coc_service.orders.lifecycle import transition
from coc_service.orders.staff import request_reupload
from tests.web.shop.webshop import csrf, login, make_user, place_order, unique_email

pytestmark = pytest.mark.db

MINE = ("home", "shop", "pages", "track", "accounts", "staff", "i18n")
LOGIN = "login"  # a redirect to the login page
BAD_TOKEN = "not-a-valid-token"

# (endpoint, method) -> expected status for (anonymous, owner, other customer)
EXPECTED: dict[tuple[str, str], tuple[Any, Any, Any]] = {
    ("home.index", "GET"): (200, 200, 200),
    ("pages.terms", "GET"): (200, 200, 200),
    ("pages.privacy", "GET"): (200, 200, 200),
    ("i18n.switch_language", "POST"): (303, 303, 303),
    ("shop.start", "GET"): (302, 302, 302),
    ("shop.vehicle", "GET"): (200, 200, 200),
    ("shop.vehicle", "POST"): (422, 422, 422),
    ("shop.vin_feedback", "POST"): (200, 200, 200),
    ("shop.customer", "GET"): (303, 303, 303),
    ("shop.customer", "POST"): (303, 303, 303),
    ("shop.documents", "GET"): (303, 303, 303),
    ("shop.upload", "POST"): (303, 303, 303),
    ("shop.documents_done", "POST"): (303, 303, 303),
    ("shop.review", "GET"): (303, 303, 303),
    ("shop.submit", "POST"): (303, 303, 303),
    ("shop.confirmation", "GET"): (404, 200, 404),
    ("track.find", "GET"): (200, 200, 200),
    ("track.find", "POST"): (422, 422, 422),
    ("track.link", "GET"): (303, 303, 303),
    ("track.order", "GET"): (404, 200, 404),
    ("track.status", "GET"): (404, 200, 404),
    ("track.reupload", "POST"): (404, 303, 404),
    ("track.certificate", "GET"): (404, 404, 404),  # none issued yet: see test_track
    ("track.cancel", "POST"): (404, 303, 404),  # last but one: it cancels the order
    ("accounts.register", "GET"): (200, 302, 302),
    ("accounts.register", "POST"): (422, 302, 302),
    ("accounts.login", "GET"): (200, 302, 302),
    ("accounts.login", "POST"): (401, 401, 401),
    ("accounts.forgot_password", "GET"): (200, 200, 200),
    ("accounts.forgot_password", "POST"): (200, 200, 200),
    ("accounts.reset_link", "GET"): (303, 303, 303),
    ("accounts.reset_password", "GET"): (303, 303, 303),
    ("accounts.reset_password", "POST"): (303, 303, 303),
    ("accounts.orders", "GET"): (LOGIN, 200, 200),
    ("accounts.profile", "GET"): (LOGIN, 200, 200),
    ("accounts.profile", "POST"): (LOGIN, 422, 422),
    ("accounts.change_password", "GET"): (LOGIN, 200, 200),
    ("accounts.change_password", "POST"): (LOGIN, 422, 422),
    ("accounts.privacy", "GET"): (LOGIN, 200, 200),
    ("accounts.unsubscribe", "POST"): (LOGIN, 303, 303),
    ("accounts.export", "GET"): (LOGIN, 200, 200),
    ("accounts.deactivate", "POST"): (LOGIN, 422, 422),
    ("accounts.erase", "POST"): (LOGIN, 422, 422),
    ("accounts.tokens", "GET"): (LOGIN, 200, 200),
    ("accounts.create_token", "POST"): (LOGIN, 200, 200),
    ("accounts.revoke_token", "POST"): (LOGIN, 303, 404),
    ("staff.queue", "GET"): (LOGIN, 404, 404),
    ("staff.order", "GET"): (LOGIN, 404, 404),
    ("staff.document", "GET"): (LOGIN, 404, 404),
    ("staff.approve_order", "POST"): (LOGIN, 404, 404),
    ("staff.ask_document", "POST"): (LOGIN, 404, 404),
    ("staff.reject_order", "POST"): (LOGIN, 404, 404),
    ("accounts.logout", "POST"): (303, 303, 303),  # last: it ends the session
}
PERSONAS = ("anonymous", "owner", "other")


def _routes(app: Any) -> list[tuple[str, str, Any]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in MINE:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    return found


def test_the_table_covers_every_route(app) -> None:  # type: ignore[no-untyped-def]
    routes = {(endpoint, method) for endpoint, method, _rule in _routes(app)}
    assert routes == set(EXPECTED), "add new routes to EXPECTED (and think about who may see them)"


@pytest.fixture
def world(app, client, shop):  # type: ignore[no-untyped-def]
    """An owner with a submitted order awaiting a new identity document, and another customer."""
    owner_email, other_email = unique_email("owner"), unique_email("other")
    make_user(shop, owner_email)
    make_user(shop, other_email)
    login(client, owner_email)
    placed = place_order(client)
    with shop.db.transaction() as session:
        order = session.get(Order, placed.order_id)
        transition(session, order, "needs_review", actor="system")
        request_reupload(session, order, "identity", actor="staff", reason="photo floue")
        owner = session.scalars(select(User).where(User.email == owner_email)).one()
        token, _clear = create_account_token(session, owner, name="test")
        values = {
            "order_id": order.id,
            "document_id": order.current_documents()[0].id,
            "token_id": token.id,
            "kind": "identity",
            "token": BAD_TOKEN,
            "other_email": other_email,
        }
    return values


def _client_for(persona: str, app: Any, owner_client: Any, other_email: str) -> Any:
    if persona == "owner":
        return owner_client
    client = app.test_client()
    if persona == "other":
        login(client, other_email)
    return client


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_for_each_persona(persona, app, client, world) -> None:  # type: ignore[no-untyped-def]
    index = PERSONAS.index(persona)
    visitor = _client_for(persona, app, client, world["other_email"])
    last = ("track.cancel", "accounts.logout")
    routes = sorted(_routes(app), key=lambda r: last.index(r[0]) + 1 if r[0] in last else 0)
    problems = []
    for endpoint, method, rule in routes:
        expected = EXPECTED[(endpoint, method)][index]
        args = {name: world[name] for name in rule.arguments}
        path = rule.build(args, append_unknown=False)[1]
        if method == "GET":
            response = visitor.get(path)
        else:
            token = csrf(visitor, "/conditions-generales")
            response = visitor.post(path, data={"csrf_token": token})
        if expected == LOGIN:
            ok = response.status_code == 302 and "/compte/connexion" in response.headers["Location"]
        else:
            ok = response.status_code == expected
        response.close()
        if not ok:
            problems.append(f"{method} {rule.rule}: {response.status_code}, expected {expected}")
    assert problems == []
