"""A live shop for the browser tests: a real HTTP server, real worker processes, real Chromium.

The server runs in a thread (werkzeug, 127.0.0.1, a free port) on a fresh SQLite file migrated
in a temporary folder, so that what the browser does is committed for real and the workers (two
`coc-service worker` processes on their own Redis database) see it. Screenshots go to
artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
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
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    _session: Session | None = None

    def order(self, reference: str) -> Order:
        """Return the order as the database has it now (one session, a fresh read each time)."""
        if self._session is None:
            self._session = self.runtime.db.session()
        self._session.rollback()  # end the previous read, so this one sees the latest commits
        return self._session.scalars(select(Order).where(Order.reference == reference)).one()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

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


def _serialise_sqlite_writers(engine: Engine) -> None:
    """Start every transaction of the server with BEGIN IMMEDIATE instead of BEGIN.

    With deferred transactions, a request that reads and then writes while a worker process
    writes gets "database is locked" at once: SQLite cannot upgrade a read snapshot that another
    writer has moved past, and the busy timeout does not apply. Taking the write lock at BEGIN
    makes the request wait its turn instead. (To be moved into
    coc_service.db.session.make_engine: `make run` has the same web + workers on SQLite.)
    """
    from coc_service.db import session as sessions

    default_begin = getattr(sessions, "_sqlite_begin", None)
    if default_begin is not None and event.contains(engine, "begin", default_begin):
        event.remove(engine, "begin", default_begin)

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


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
    _serialise_sqlite_writers(database.engine)
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
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
           "COC_SECRET_KEY": settings.secret_key, "COC_VAR_DIR": str(settings.var_dir),
           "COC_BASE_URL": url, "COC_ENV": "test", "COC_JOB_RETRIES": "1",
           "OMP_THREAD_LIMIT": "1", "COC_LOG_LEVEL": "warning"}
    shop = LiveShop(url=url, runtime=runtime)
    for _ in range(2):  # two documents read at once, as on a small production machine
        shop.workers.append(subprocess.Popen(
            [sys.executable, "-m", "coc_service.cli", "worker", "documents", "orders"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
    yield shop
    for proc in shop.workers:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in shop.workers:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
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

    def open_page(viewport: dict[str, int] | None = None, locale: str = "fr-FR") -> Any:
        context = browser.new_context(viewport=viewport or PHONE, locale=locale,
                                      base_url=live_shop.url)
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
