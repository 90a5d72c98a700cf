"""Fixtures for the whole suite: settings, both databases, real Redis, the app and a client.

Database tests run on SQLite and on PostgreSQL (the `db` fixture is parametrised), each inside
a transaction rolled back at the end. `make test` exports COC_TEST_DATABASE_URL and
COC_TEST_REDIS_URL for the servers it found or started.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from coc_service.config import Settings
from coc_service.db import migrate
from coc_service.db.session import Database, make_engine
from coc_service.runtime import Runtime, build_runtime
from coc_service.runtime import install as install_runtime

# moto's S3 and KMS on loopback, for the storage and privacy tests
pytest_plugins = ("tests.support.moto_server",)

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379/15"


def _pg_admin_url() -> str:
    url = os.environ.get("COC_TEST_DATABASE_URL", PG_DEFAULT)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    admin_url = make_url(_pg_admin_url())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"coc_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a clear word instead of a driver traceback
        pytest.exit(f"PostgreSQL unreachable at {admin_url.render_as_string()}: run `make test` "
                    f"(it starts one) or set COC_TEST_DATABASE_URL ({type(exc).__name__})", 3)
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("COC_TEST_REDIS_URL", REDIS_DEFAULT)
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis unreachable at {url}: run `make test` or set COC_TEST_REDIS_URL "
                    f"({type(exc).__name__})", 3)
    return url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[object]:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@dataclass
class TestDatabase:
    dialect: str
    url: str
    database: Database
    connection: Connection


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    """A Database bound to one connection whose transaction is rolled back after the test."""
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    connection = engine.connect()
    outer = connection.begin()
    database = Database(url, bind=connection)
    try:
        yield TestDatabase(request.param, url, database, connection)
    finally:
        if outer.is_active:
            outer.rollback()
        connection.close()
        engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        secret_key="test-" + secrets.token_hex(16),
        redis_url=redis_url,
        database_url="sqlite://",
        reconcile_after_s=60,
        job_retries=1,
    )


@pytest.fixture
def runtime(settings: Settings, db: TestDatabase, redis_client: object) -> Iterator[Runtime]:
    rt = build_runtime(settings.with_overrides(database_url=db.url), db=db.database)
    install_runtime(rt)
    yield rt
    install_runtime(None)
    rt.redis.close()


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    from coc_service.app import create_app

    return create_app(runtime=runtime)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()
