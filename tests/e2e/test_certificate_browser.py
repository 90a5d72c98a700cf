"""From approval to the certificate in a real headless Chromium.

A customer's order reaches auto_approved; a real RQ worker on the `suppliers` queue forwards it;
the supplier logs in to the portal, downloads the bundle, acknowledges and uploads the
certificate; the customer's order page then offers the certificate, and the file the browser
downloads is the one the supplier sent. Screenshots (phone and desktop) go to
artifacts/screenshots/.

The session's other browser tests cancel an approved order before it is forwarded, so the
`suppliers` queue runs only while this module does (the live shop's own workers leave it).
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from rq.serializers import JSONSerializer
from sqlalchemy import select

from coc_service.checks.triage import DEFAULT_POLICY
from coc_service.cli.seed import DEMO_PASSWORD
from coc_service.db.orders import Order
from coc_service.orders.lifecycle import OrderStatus, transition
from coc_service.suppliers.bundles import read_bundle
from tests.e2e.conftest import (
    DESKTOP,
    LiveShop,
    _ThreadWorker,
    screenshot,
)
from tests.e2e.test_shop_browser import (
    CUSTOMER_EMAIL,
    PRIVATE_ID,
    PRIVATE_REG,
    SETTLE_S,
    expect_text,
    place,
    staff_page,
    verdict,
)

pytestmark = pytest.mark.browser

SUPPLIER_EMAIL = "portail@euro-coc.example"  # the seed's portal account of Ford's supplier
# checks that flag an order only because another order of this browser session shares its
# vehicle or identity document (the session's tests all use the same sample scans)
SESSION_DUPLICATES = {"duplicate_vin", "duplicate_identity"}


@pytest.fixture(scope="module")
def supplier_worker(live_shop: LiveShop) -> Iterator[None]:
    """Run the `suppliers` queue in bursts, in this process, while this module's tests run."""
    runtime = live_shop.runtime
    stop = threading.Event()

    def work() -> None:
        queue = runtime.queue.queue("suppliers")
        while not stop.is_set():
            worker = _ThreadWorker([queue], connection=runtime.redis, serializer=JSONSerializer)
            worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
            stop.wait(0.3)

    thread = threading.Thread(target=work, name="e2e-supplier-worker", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=60)


def certificate_pdf(folder: Path) -> Path:
    """Write a one-page PDF standing in for the manufacturer's certificate; return its path."""
    image = Image.new("RGB", (620, 877), (250, 250, 250))
    for x in range(60, 560):
        for y in range(80, 84):
            image.putpixel((x, y), (20, 40, 120))
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=72.0, title="COC")
    path = folder / "certificat-de-conformite.pdf"
    path.write_bytes(buffer.getvalue())
    return path


def approve_if_flagged_by_the_session(new_page: Any, live_shop: LiveShop,
                                      reference: str) -> None:
    """Approve the order in the back office if only this session's duplicates flagged it.

    Run alone, or first (as `make test` runs it), the order is auto-approved; run after the
    shop's tests, the same sample scans sit in their orders too.
    """
    order = live_shop.order(reference)
    flagged = {c.name for c in order.checks if DEFAULT_POLICY.action(c) == "flag"}
    assert flagged <= SESSION_DUPLICATES, verdict(live_shop, reference)
    staff = staff_page(new_page)
    staff.get_by_role("link", name=reference).click()
    staff.get_by_role("button", name="Approuver").click()
    expect_text(staff, ".flashes", "Commande approuvée")


def wait_for_mail(live_shop: LiveShop, fragment: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(fragment in subject for subject in live_shop.mail_subjects()):
            return
        time.sleep(0.5)
    raise AssertionError(f"no e-mail about {fragment!r}: {live_shop.mail_subjects()}")


def test_the_certificate_goes_from_the_supplier_to_the_customer(
        new_page: Any, live_shop: LiveShop, supplier_worker: None,
        tmp_path: Path) -> None:
    customer = new_page()
    reference = place(customer, PRIVATE_ID, PRIVATE_REG, CUSTOMER_EMAIL)
    customer.get_by_role("link", name="Suivre ma commande").click()
    try:
        settled = live_shop.wait_for(reference, {"forwarded", "needs_review"}, timeout=SETTLE_S)
        if settled == "needs_review":
            approve_if_flagged_by_the_session(new_page, live_shop, reference)
            live_shop.wait_for(reference, {"forwarded"}, timeout=60)
        order = live_shop.order(reference)
        moves = [t.to_status for t in order.transitions]
        assert moves[-1] == "forwarded" and moves[-2] in ("auto_approved", "approved"), moves
        assert order.current_documents()[-1].kind == "bundle"
        # the page follows by itself: sent to the manufacturer, and the customer is told
        expect_text(customer, ".order-status", "Transmise au constructeur", timeout=30_000)
        screenshot(customer, "track-forwarded")
        wait_for_mail(live_shop, f"Commande {reference} transmise au constructeur")

        uploaded = certificate_pdf(tmp_path)
        supplier_does_its_part(new_page, live_shop, reference, uploaded)

        # the customer's page notices the certificate without a reload and offers it
        expect_text(customer, ".order-status", "Certificat disponible", timeout=30_000)
        link = customer.get_by_role("link", name="Télécharger mon certificat (PDF)")
        screenshot(customer, "track-certificate")
        with customer.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename == f"certificat-conformite-{reference}.pdf"
        assert Path(download.path()).read_bytes() == uploaded.read_bytes()
        wait_for_mail(live_shop, f"Votre certificat de conformité est prêt ({reference})")
    finally:
        close_for_the_next_tests(live_shop, reference)


def supplier_does_its_part(new_page: Any, live_shop: LiveShop, reference: str,
                           certificate: Path) -> None:
    """Log in to the portal, download the bundle, acknowledge, upload the certificate."""
    supplier = new_page(viewport=DESKTOP)
    supplier.goto("/fournisseur")
    supplier.wait_for_url("**/compte/connexion")  # the portal asks who you are first
    supplier.fill("#f-email", SUPPLIER_EMAIL)
    supplier.fill("#f-password", DEMO_PASSWORD)
    supplier.get_by_role("button", name="Se connecter").click()
    supplier.wait_for_url("**/fournisseur")
    screenshot(supplier, "supplier-orders")
    supplier.get_by_role("link", name=reference).click()
    expect_text(supplier, "h1", reference)
    screenshot(supplier, "supplier-order")

    with supplier.expect_download() as download_info:
        supplier.get_by_role("link", name="Télécharger le dossier (ZIP)").click()
    bundle = Path(download_info.value.path()).read_bytes()
    manifest, files = read_bundle(bundle)
    assert manifest["order"]["reference"] == reference
    assert manifest["recipient"]["code"] == "euro-coc"
    assert manifest["vehicle"]["vin"] == PRIVATE_REG.fields["vin"]
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
    assert {e["kind"] for e in manifest["files"]} == {"summary", "identity", "registration"}

    supplier.get_by_role("button", name="Confirmer la réception").click()
    expect_text(supplier, ".flashes", "Réception confirmée")
    assert live_shop.order(reference).status == OrderStatus.ACKNOWLEDGED.value
    supplier.set_input_files("#certificate-file", str(certificate))
    supplier.get_by_role("button", name="Envoyer le certificat").click()
    expect_text(supplier, ".flashes", "Certificat reçu")
    screenshot(supplier, "supplier-certificate")
    assert live_shop.order(reference).status == OrderStatus.CERTIFICATE_RECEIVED.value


def close_for_the_next_tests(live_shop: LiveShop, reference: str) -> None:
    """Complete the order, so that the session's next orders of the same vehicle see no open
    order sharing its VIN (the duplicate check would send them to review)."""
    with live_shop.runtime.db.transaction() as session:
        order = session.scalars(select(Order).where(Order.reference == reference)).one()
        if order.status == OrderStatus.CERTIFICATE_RECEIVED.value:
            transition(session, order, OrderStatus.COMPLETED, actor="system",
                       reason="test: delivered")
        elif order.status in (OrderStatus.AUTO_APPROVED.value, OrderStatus.APPROVED.value,
                              OrderStatus.NEEDS_REVIEW.value):
            transition(session, order, OrderStatus.CANCELLED, actor="system",
                       reason="test: failed before forwarding")
