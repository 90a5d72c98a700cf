"""Storage fixtures: stores on the local folder and on S3, raw access around them, keys.

moto itself (the server, its clients, `kms_key_id`) comes from tests/support/moto_server.py.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coc_service.storage.base import DocumentStore
from coc_service.storage.local import LocalDocumentStore
from coc_service.storage.s3 import MIB, S3DocumentStore
from tests.support import raw_objects
from tests.support.moto_server import create_versioned_bucket, make_client


@pytest.fixture
def bucket(s3_client: Any) -> str:
    """A new versioned bucket, unique to the test."""
    return create_versioned_bucket(s3_client)


@pytest.fixture
def s3_store(s3_client: Any, bucket: str) -> S3DocumentStore:
    # Small parts so that multipart uploads are exercised without big objects.
    return S3DocumentStore(
        s3_client, bucket, sse="AES256", multipart_threshold=5 * MIB, part_size=5 * MIB
    )


@pytest.fixture
def local_store(tmp_path: Path) -> LocalDocumentStore:
    return LocalDocumentStore(tmp_path / "storage")


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)])
def document_store(request: pytest.FixtureRequest) -> DocumentStore:
    """Each contract test runs once on the local folder and once on S3 (moto)."""
    store: DocumentStore = request.getfixturevalue(f"{request.param}_store")
    return store


@pytest.fixture
def data_key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def read_raw() -> Callable[[DocumentStore, str], bytes]:
    return raw_objects.read_raw


@pytest.fixture
def write_raw() -> Callable[[DocumentStore, str, bytes], None]:
    return raw_objects.write_raw


@pytest.fixture
def closed_port_client() -> Callable[[str], Any]:
    """A factory of clients pointed at a loopback port nothing listens on (one attempt)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"

    def make(service: str) -> Any:
        return make_client(service, endpoint, max_attempts=1, connect_timeout=1, read_timeout=1)

    return make
