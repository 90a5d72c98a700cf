"""A live shop for the browser tests: a real HTTP server, real worker processes, real Chromium.

The server runs in a thread (werkzeug, 127.0.0.1, a free port) on a fresh SQLite file migrated
in a temporary folder, so that what the browser does is committed for real, and two RQ workers
run the jobs in threads of the same process (their own Redis database), reading the scans with
the real pipeline. Screenshots go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import WSGIRequestHandler, make_server

from coc_service.config import Settings
from coc_service.db import migrate
from coc_service.db.orders import Order
from coc_service.db.session import Database
from coc_service.runtime import Runtime, build_runtime
from coc_service.runtime import install as install_runtime

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "fixtures" / "sample"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
STAFF_EMAIL, STAFF_PASSWORD = "agent1@coc.example.fr", "demo-coc-2026"


class _QuietHandler(WSGIRequestHandler):
    """No access log: paths may hold a signed link's token."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class LiveShop:
    url: str
    runtime: Runtime
    workers: list[threading.Thread] = field(default_factory=list)

    _session: Session | None = None

    def order(self, reference: str) -> Order:
        """Return the order as the database has it now (one session, a fresh read each time).

        Read through an engine of its own with deferred transactions: the server's engine takes
        the write lock at BEGIN, and a test polling through it would starve the workers.
        """
        if self._session is None:
            self._session = Database(self.runtime.db.url, sqlite_lock_at_begin=False).session()
        self._session.rollback()  # end the previous read, so this one sees the latest commits
        return self._session.scalars(select(Order).where(Order.reference == reference)).one()

    def mail_subjects(self) -> list[str]:
        """Return the subjects of the e-mails written so far (var/mail/*.eml)."""
        from email import message_from_bytes, policy

        folder = self.runtime.settings.var_dir / "mail"
        return [str(message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"])
                for path in sorted(folder.glob("*.eml"))]

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            bind = self._session.get_bind()
            bind.dispose()  # type: ignore[union-attr]

    def wait_for(self, reference: str, states: set[str], timeout: float = 150) -> str:
        """Wait until the order reaches one of `states`; return the state."""
        deadline = time.monotonic() + timeout
        status = ""
        while time.monotonic() < deadline:
            status = self.order(reference).status
            if status in states:
                return status
            time.sleep(0.5)
        raise AssertionError(f"{reference} stayed {status}, expected one of {sorted(states)}")


class _ThreadWorker(SimpleWorker):
    """An RQ worker that runs jobs in its own thread: no signals, timeouts by timer."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        return None


def _work(runtime: Runtime, stop: threading.Event, reconciles: bool) -> None:
    """Run the documents and orders queues in bursts until `stop` is set.

    In this process, so that the jobs use the server's database engine and the SQLite file
    sees one well-behaved writer at a time. One
    thread also runs the reconciler every few seconds, as the scheduler does in production, so
    that a job lost with its Redis database (another suite may flush it) is enqueued again.
    """
    from coc_service.orders.reconcile import reconcile

    # the shop's runtime for this thread's jobs, whatever runtime a later test installs
    install_runtime(runtime, this_thread=True)
    queues = [runtime.queue.queue(name) for name in ("documents", "orders")]
    last_reconcile = time.monotonic()
    while not stop.is_set():
        if reconciles and time.monotonic() - last_reconcile > 10:
            with runtime.db.transaction() as session:
                reconcile(session, stuck_after=timedelta(seconds=20))
            last_reconcile = time.monotonic()
        worker = _ThreadWorker(queues, connection=runtime.redis, serializer=JSONSerializer)
        # no scheduler: it would open a Redis pool per burst; a job that fails here fails the
        # test through the order's state rather than waiting minutes for its retry
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
        stop.wait(0.3)


def _free_redis_url() -> str:
    base = os.environ.get("COC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    # a database of its own: other suites flush theirs
    return base.rsplit("/", 1)[0] + "/" + os.environ.get("COC_E2E_REDIS_DB", "9")


@pytest.fixture(scope="session")
def live_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveShop]:
    folder = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{folder / 'shop.db'}"
    migrate.upgrade(db_url)
    redis_url = _free_redis_url()
    settings = Settings(env="test", var_dir=folder / "var", secret_key=secrets.token_hex(24),
                        database_url=db_url, redis_url=redis_url, job_retries=1,
                        base_url="http://127.0.0.1")
    database = Database(db_url)
    runtime = build_runtime(settings, db=database)
    try:
        runtime.redis.ping()
    except Exception as exc:  # a clear word instead of a timeout later
        pytest.exit(f"Redis unreachable at {redis_url} ({type(exc).__name__})", 3)
    runtime.redis.flushdb()
    install_runtime(runtime)
    from coc_service.cli.seed import seed_demo

    with runtime.db.transaction() as session:
        seed_demo(session)

    from coc_service.app import create_app

    app = create_app(runtime=runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    runtime.settings = settings.with_overrides(base_url=url)
    thread = threading.Thread(target=server.serve_forever, name="e2e-http", daemon=True)
    thread.start()
    shop = LiveShop(url=url, runtime=runtime)
    stop = threading.Event()
    # two documents read at once, as two worker processes on a small production machine
    for number in range(2):
        worker = threading.Thread(target=_work, args=(runtime, stop, number == 0), daemon=True,
                                  name=f"e2e-worker-{number}")
        worker.start()
        shop.workers.append(worker)
    yield shop
    stop.set()
    for worker in shop.workers:
        worker.join(timeout=120)
    shop.close()
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    install_runtime(None)
    runtime.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("COC_CHROMIUM", "/usr/bin/chromium"),
            args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any, live_shop: LiveShop) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh browser contexts (one visitor each), French, phone-sized by default."""
    contexts: list[Any] = []

    def open_page(viewport: dict[str, int] | None = None, locale: str = "fr-FR",
                  javascript: bool = True) -> Any:
        context = browser.new_context(viewport=viewport or PHONE, locale=locale,
                                      base_url=live_shop.url, java_script_enabled=javascript)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Save the page at phone and desktop size: artifacts/screenshots/<name>-phone.png, …"""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(original)
