"""The shop in a real headless Chromium, from the first page to the checks' verdict.

Uses the committed sample scans (fixtures/sample) and their ground truth for what the customer
types. Screenshots of the main pages, phone- and desktop-sized, go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, SAMPLES, STAFF_EMAIL, STAFF_PASSWORD, LiveShop, screenshot

pytestmark = pytest.mark.browser

SETTLED = {"auto_approved", "needs_review"}
# how long reading two scans and running the checks may take (two worker processes)
SETTLE_S = float(os.environ.get("COC_E2E_SETTLE_S", "150"))


@dataclass(frozen=True)
class Sample:
    path: Path
    truth: dict[str, Any]

    @property
    def fields(self) -> dict[str, Any]:
        return self.truth["fields"]  # type: ignore[no-any-return]


def sample(stem: str) -> Sample:
    truth = json.loads((SAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
    return Sample(SAMPLES / truth["file"], truth)


# a clean passport and a clean registration certificate, which the pipeline reads in full; and
# another pair (photos) for the flows that do not wait for the checks' verdict
PRIVATE_ID, PRIVATE_REG = sample("0000-identity-clean"), sample("0001-registration-clean")
OTHER_ID, OTHER_REG = sample("0002-identity-mild"), sample("0009-registration-mild")
CUSTOMER_EMAIL = "helene@example.fr"
# a company's order: its representative's French ID card, and a French registration whose holder
# (C.1) is the company; the truth gives the company's name, SIREN and VAT number
COMPANY_ID, COMPANY_REG = sample("0012-identity-clean"), sample("0013-registration-clean")
COMPANY: dict[str, str] = COMPANY_REG.truth["company"]
COMPANY_EMAIL = "gestion@paysages.example.fr"


def person(identity: Sample) -> tuple[str, str]:
    """Return (first name, last name) as a customer would type them from the document."""
    fields = identity.fields
    return fields["given_names"].split()[0].title(), fields["surname"].title()


def expect_text(page: Any, selector: str, text: str, timeout: float = 20_000) -> None:
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_contain_text(text, timeout=timeout)


def vehicle_step(page: Any, registration: Sample, *, vin: str | None = None,
                 shots: str | None = None) -> None:
    fields = registration.fields
    page.goto("/")
    if shots:
        screenshot(page, f"{shots}-home")
    page.get_by_role("link", name="Commander mon COC").click()
    page.fill("#f-vehicle-vin", vin or fields["vin"])
    # immediate feedback: the format, and the make the WMI stands for, picked in the list
    expect_text(page, "#vin-feedback", "Format correct")
    assert page.input_value("#f-vehicle-make") == fields["make"]
    expect_text(page, "#offer-details", "jours ouvrés")
    page.fill("#f-vehicle-first-registration-date", fields["first_registration_date"])
    if shots:
        screenshot(page, f"{shots}-vehicle")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/commande/coordonnees")


def customer_step(page: Any, identity: Sample, email: str, *, company: bool = False,
                  shots: str | None = None) -> None:
    first, last = person(identity)
    if company:
        page.check("#f-customer-kind-company")
        # typed as people do ("Paysages Leblanc Eurl"), C.1 prints it in capitals
        page.fill("#f-customer-company-name", COMPANY["name"].title())
        page.fill("#f-customer-siren", COMPANY["siren"])
        page.fill("#f-customer-vat-number", COMPANY["vat_number"])
    else:
        assert not page.is_visible("#f-customer-siren")  # company fields only for companies
    page.fill("#f-customer-first-name", first)
    page.fill("#f-customer-last-name", last)
    page.fill("#f-customer-email", email)
    page.fill("#f-customer-phone", "06 12 34 56 78")
    page.fill("#f-billing-address-line1", "12 rue des Lilas")
    page.fill("#f-billing-address-postcode", "69003")
    page.fill("#f-billing-address-city", "Lyon")
    assert not page.is_visible("#f-shipping-address-line1")  # same as billing by default
    page.check("#f-delivery-option-post")
    if shots:
        screenshot(page, f"{shots}-customer")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/commande/documents")


def documents_step(page: Any, identity: Sample, registration: Sample, *,
                   shots: str | None = None) -> None:
    for kind, scan in (("identity", identity), ("registration", registration)):
        page.set_input_files(f"#upload-{kind}-file", str(scan.path))
        expect_text(page, f"#upload-{kind}-status", "Document reçu", timeout=60_000)
    if shots:
        screenshot(page, f"{shots}-documents")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/commande/recapitulatif")


def review_and_submit(page: Any, *, shots: str | None = None) -> str:
    assert not page.is_checked("#f-marketing-consent")  # never ticked for the customer
    page.check("#f-terms-accepted")
    if shots:
        screenshot(page, f"{shots}-review")
    page.get_by_role("button", name="Valider ma commande").click()
    page.wait_for_url("**/commande/confirmation/**")
    reference = page.locator(".reference").first.inner_text().strip()
    assert re.fullmatch(r"COC-[0-9A-Z]{6}", reference)
    if shots:
        screenshot(page, f"{shots}-confirmation")
    return reference


def staff_page(new_page: Any) -> Any:
    """Return a desktop page logged in as a member of staff, on the review queue."""
    staff = new_page(viewport=DESKTOP)
    staff.goto("/compte/connexion")
    staff.fill("#f-email", STAFF_EMAIL)
    staff.fill("#f-password", STAFF_PASSWORD)
    staff.get_by_role("button", name="Se connecter").click()
    staff.wait_for_url("**/back-office")
    return staff


def place(page: Any, identity: Sample, registration: Sample, email: str, *,
          company: bool = False, vin: str | None = None, shots: str | None = None) -> str:
    vehicle_step(page, registration, vin=vin, shots=shots)
    customer_step(page, identity, email, company=company, shots=shots)
    documents_step(page, identity, registration, shots=shots)
    return review_and_submit(page, shots=shots)


def verdict(live_shop: LiveShop, reference: str) -> str:
    """Return the order's state and its non-passing checks, for a readable failure."""
    order = live_shop.order(reference)
    checks = [f"{c.name}={c.status}: {c.detail}" for c in order.checks
              if c.status not in ("pass", "skip")]
    documents = [f"{d.kind}:{d.status}:{d.error_code}" for d in order.current_documents()]
    return f"{order.status} {checks} {documents} {order.processing_error or ''}"


def follow(page: Any, live_shop: LiveShop, reference: str, states: set[str], *,
           shots: str | None = None) -> str:
    """Open the order page and watch it update by itself until the order settles."""
    page.get_by_role("link", name="Suivre ma commande").click()
    if shots:
        screenshot(page, f"{shots}-track")
    status = live_shop.wait_for(reference, states, timeout=SETTLE_S)
    # the page's script notices the change without a reload
    expect_text(page, ".order-status", {"auto_approved": "Documents validés",
                                        "needs_review": "examen"}[status], timeout=30_000)
    return status


def test_private_order_reaches_auto_approved(new_page, live_shop) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    reference = place(page, PRIVATE_ID, PRIVATE_REG, CUSTOMER_EMAIL, shots="order")
    assert follow(page, live_shop, reference, SETTLED, shots="order") == "auto_approved", (
        verdict(live_shop, reference))
    screenshot(page, "track-approved")
    order = live_shop.order(reference)
    assert order.vin == PRIVATE_REG.fields["vin"] and order.delivery_option == "post"
    assert any(reference in subject for subject in live_shop.mail_subjects())
    # she changes her mind: cancelled from the order page, before it goes to the manufacturer
    page.locator("summary", has_text="Annuler ma commande").click()
    page.get_by_role("button", name="Confirmer l'annulation").click()
    expect_text(page, ".flashes", "Votre commande est annulée")
    assert live_shop.order(reference).status == "cancelled"


def test_company_order_on_a_desktop(new_page, live_shop) -> None:  # type: ignore[no-untyped-def]
    """A company's representative orders for a vehicle the company holds, with the company's
    own papers: another person, vehicle and make than the private order's."""
    page = new_page(viewport=DESKTOP)
    page.goto("/")
    page.get_by_role("button", name="EN").click()
    expect_text(page, "h1", "European certificate of conformity")
    screenshot(page, "home-english")
    page.get_by_role("button", name="FR").click()
    reference = place(page, COMPANY_ID, COMPANY_REG, COMPANY_EMAIL, company=True,
                      shots="company")
    assert follow(page, live_shop, reference, SETTLED) == "auto_approved", verdict(
        live_shop, reference)
    order = live_shop.order(reference)
    assert order.customer_kind == "company" and order.customer_snapshot["siren"] == COMPANY["siren"]
    assert order.vin == COMPANY_REG.fields["vin"] != PRIVATE_REG.fields["vin"]
    checks = {c.name: c for c in order.checks}
    # the registration is recognised as the company's, the ID card as its representative's
    holder = checks["registration_holder_match"]
    assert holder.status == "pass" and "held by the company" in holder.detail, holder.detail
    assert checks["name_match"].status == "pass", checks["name_match"].detail
    assert checks["siren_valid"].status == checks["vat_valid"].status == "pass"


def _typo(vin: str) -> str:
    """Change one character after the WMI (so the make still matches), never to I, O or Q."""
    position = 12
    replacement = "7" if vin[position] != "7" else "8"
    return vin[:position] + replacement + vin[position + 1:]


@pytest.fixture(scope="module")
def typo_order(browser, live_shop) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """An order whose VIN has a typo, settled in needs_review; shared by the next two tests."""
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="fr-FR",
                                  base_url=live_shop.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    reference = place(page, PRIVATE_ID, PRIVATE_REG, "faute@example.fr",
                      vin=_typo(PRIVATE_REG.fields["vin"]))
    status = follow(page, live_shop, reference, SETTLED)
    return {"context": context, "page": page, "reference": reference, "status": status}


def test_vin_typo_reaches_needs_review_and_the_page_says_why(typo_order, live_shop) -> None:  # type: ignore[no-untyped-def]
    page = typo_order["page"]
    assert typo_order["status"] == "needs_review", verdict(live_shop, typo_order["reference"])
    expect_text(page, ".explain", "diffère d'un caractère")
    screenshot(page, "track-needs-review")


def test_reupload_after_a_staff_request(new_page, live_shop, typo_order) -> None:  # type: ignore[no-untyped-def]
    staff = staff_page(new_page)
    staff.get_by_role("link", name=typo_order["reference"]).click()
    expect_text(staff, "main", "vin_match")
    screenshot(staff, "staff-order")
    staff.select_option("#f-kind", "registration")
    staff.fill("#reupload-reason", "Merci de renvoyer la carte grise entière.")
    staff.get_by_role("button", name="Demander le document").click()
    expect_text(staff, ".flashes", "Demande envoyée")
    page = typo_order["page"]
    # the customer's page notices by itself and shows the upload card
    expect_text(page, "#upload-registration", "renvoyer la carte grise", timeout=40_000)
    screenshot(page, "track-reupload")
    page.set_input_files("#upload-registration-file", str(PRIVATE_REG.path))
    status = live_shop.wait_for(typo_order["reference"], {"processing", *SETTLED}, timeout=30)
    assert status in {"processing", *SETTLED}
    assert live_shop.order(typo_order["reference"]).transitions[-1].reason.startswith(
        "registration document re-uploaded") or status in SETTLED


def test_register_reuse_the_profile_then_deactivate(new_page, live_shop) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    password = "un mot de passe assez long"
    page.goto("/compte/inscription")
    page.fill("#f-email", "compte@example.fr")
    page.fill("#f-password", password)
    page.fill("#f-password-confirm", password)
    page.check("#f-terms-accepted")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/compte")
    screenshot(page, "account")
    vehicle_step(page, PRIVATE_REG)
    customer_step(page, PRIVATE_ID, "compte@example.fr")
    documents_step(page, PRIVATE_ID, PRIVATE_REG)
    review_and_submit(page)
    # the next order: "no need to type it all again"
    vehicle_step(page, OTHER_REG)
    first, last = person(PRIVATE_ID)
    assert page.input_value("#f-customer-first-name") == first
    assert page.input_value("#f-customer-last-name") == last
    assert page.input_value("#f-billing-address-city") == "Lyon"
    page.goto("/compte/donnees")
    screenshot(page, "account-profile")
    page.goto("/compte/vie-privee")
    page.locator("summary", has_text="Désactiver mon compte").click()
    page.locator("form[action$='desactiver'] input[name=password]").fill(password)
    page.get_by_role("button", name="Désactiver définitivement").click()
    expect_text(page, ".flashes", "Votre compte est désactivé")
    page.goto("/compte/connexion")
    page.fill("#f-email", "compte@example.fr")
    page.fill("#f-password", password)
    page.get_by_role("button", name="Se connecter").click()
    expect_text(page, "#login-error", "désactivé")


def test_the_whole_order_works_without_javascript(new_page, live_shop) -> None:  # type: ignore[no-untyped-def]
    page = new_page(javascript=False)
    page.goto("/commande/vehicule")
    fields = OTHER_REG.fields
    page.fill("#f-vehicle-vin", fields["vin"])
    page.select_option("#f-vehicle-make", fields["make"])
    page.fill("#f-vehicle-first-registration-date", fields["first_registration_date"])
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/commande/coordonnees")
    first, last = person(OTHER_ID)
    page.fill("#f-customer-first-name", first)
    page.fill("#f-customer-last-name", last)
    page.fill("#f-customer-email", "sans-js@example.fr")
    page.fill("#f-billing-address-line1", "3 place Bellecour")
    page.fill("#f-billing-address-postcode", "69002")
    page.fill("#f-billing-address-city", "Lyon")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/commande/documents")
    for kind, scan in (("identity", OTHER_ID), ("registration", OTHER_REG)):
        card = page.locator(f"#upload-{kind}")
        card.locator(f"#upload-{kind}-file").set_input_files(str(scan.path))
        card.get_by_role("button", name="Envoyer ce document").click()
        expect_text(page, f"#upload-{kind}-status", "Document reçu", timeout=60_000)
    page.locator("#documents-done").get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/commande/recapitulatif")
    reference = review_and_submit(page)
    assert live_shop.order(reference).status in {"processing", *SETTLED}
