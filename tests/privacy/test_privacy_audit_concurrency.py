"""Concurrent appends to the audit log keep one unbroken chain (PostgreSQL lock, SQLite writer).

Each run uses a database of its own, because these appends really commit.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from coc_service.db import AuditEvent, migrate
from coc_service.db.session import Database
from coc_service.privacy.audit import record, verify_chain

pytestmark = pytest.mark.db

THREADS, APPENDS = 4, 15


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
        migrate.upgrade(url)
        yield url
        return
    base = make_url(request.getfixturevalue("postgresql_url"))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"coc_audit_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_appends_form_one_chain(own_database: str) -> None:
    database = Database(own_database)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(APPENDS):
                with database.transaction() as session:
                    record(session, actor_id=f"staff-{n}", actor_role="staff",
                           action="document.viewed", object_type="document",
                           object_id=f"doc-{n}-{i}")
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with database.transaction() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == THREADS * APPENDS
            prevs = session.scalars(select(AuditEvent.prev_hash)).all()
            assert len(set(prevs)) == len(prevs)  # no fork: nobody linked to the same event
            report = verify_chain(session)
        assert report.ok and report.checked == THREADS * APPENDS
    finally:
        database.dispose()
