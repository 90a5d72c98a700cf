"""Fixtures of the privacy tests (builders live in privacy_builders.py).

These tests commit on purpose (erasure deletes superseded objects only after the commit); the
root `db` fixture's rollback really rolls back on SQLite too (see coc_service.db.session).

`runtime` here overrides the root one to choose its document store by `store_kind`: the local
folder unless a test module parametrises it (privacy_builders.BOTH_STORES) to run on S3 too,
a versioned bucket of its own in moto's server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from privacy_builders import Builder
from sqlalchemy.orm import Session

from coc_service.config import Settings
from coc_service.runtime import Runtime, build_runtime
from coc_service.runtime import install as install_runtime
from coc_service.storage.s3 import S3DocumentStore
from tests.support.moto_server import create_versioned_bucket

if TYPE_CHECKING:
    from tests.conftest import TestDatabase


@pytest.fixture
def store_kind() -> str:
    return "local"


@pytest.fixture
def runtime(settings: Settings, db: TestDatabase, redis_client: object, store_kind: str,
            request: pytest.FixtureRequest) -> Iterator[Runtime]:
    overrides: dict[str, Any] = {}
    if store_kind == "s3":
        client = request.getfixturevalue("s3_client")
        overrides["store"] = S3DocumentStore(client, create_versioned_bucket(client))
    rt = build_runtime(settings.with_overrides(database_url=db.url), db=db.database, **overrides)
    install_runtime(rt)
    yield rt
    install_runtime(None)
    rt.redis.close()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    session = runtime.db.session()
    yield session
    session.close()


@pytest.fixture
def build(session: Session, runtime: Runtime) -> Builder:
    return Builder(session, runtime)
