"""One Database object per process: the engine and a session factory, nothing global."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from coc_service.errors import ServiceUnavailable


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """Owns the engine; hands out sessions. Tests may bind it to one open connection."""

    def __init__(
        self,
        url: str,
        *,
        bind: Connection | None = None,
        session_info: dict[str, Any] | None = None,
        **engine_options: Any,
    ) -> None:
        self.url = url
        # session.info carries the job queue and the runtime to domain code (see queue.py)
        self.session_info: dict[str, Any] = dict(session_info or {})
        if bind is not None:
            self.engine: Engine = bind.engine
            self._factory = sessionmaker(
                bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        else:
            self.engine = make_engine(url, **engine_options)
            self._factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        session = self._factory()
        session.info.update(self.session_info)
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on any error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        session = self.session()
        try:
            session.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise ServiceUnavailable("database unreachable") from exc
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_begin_deferred(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def _sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock at the start: with deferred transactions, a request that
    # reads then writes while a worker writes fails at once ("database is locked": a read
    # snapshot cannot be upgraded past another writer, and the busy timeout does not apply)
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, sqlite_lock_at_begin: bool = True, **options: Any) -> Engine:
    """Return an engine for `url`. On SQLite every transaction takes the write lock at BEGIN,
    unless `sqlite_lock_at_begin` is False (a read-only observer that must not block writers).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling breaks SAVEPOINT and rollback; let SQLAlchemy
        # emit BEGIN itself (the recipe from SQLAlchemy's SQLite dialect documentation)
        event.listen(engine, "begin", _sqlite_begin if sqlite_lock_at_begin
                     else _sqlite_begin_deferred)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)
