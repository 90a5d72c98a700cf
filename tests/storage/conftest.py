"""Storage fixtures: moto's S3 and KMS in server mode on loopback, stores, keys.

moto runs in a child process (ThreadedMotoServer on port 0, the port read back from its
stdout), so its copies of our objects never count in the memory measured by the streaming
tests and nothing of moto is imported into the test process. Fake credentials are passed to
each boto3 client explicitly; the environment is never touched.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from coc_service.storage.base import DocumentStore
from coc_service.storage.factory import aws_client
from coc_service.storage.local import LocalDocumentStore
from coc_service.storage.s3 import MIB, S3DocumentStore

REGION = "eu-west-3"
FAKE_CREDENTIALS: dict[str, Any] = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}

_MOTO_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # runs until the test session closes our end of the pipe
server.stop()
"""


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a moto server (S3 and KMS) listening on 127.0.0.1, for the whole session."""
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", _MOTO_SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    assert process.stdout is not None and process.stdin is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        pytest.fail("moto server did not start; see moto.log")
    try:
        yield f"http://127.0.0.1:{int(line)}"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        log.close()


def make_client(service: str, endpoint: str, **config: Any) -> Any:
    """Return a boto3 client for moto with the fake credentials (nothing read from env)."""
    return aws_client(service, endpoint_url=endpoint, region=REGION, **FAKE_CREDENTIALS, **config)


@pytest.fixture(scope="session")
def s3_client(moto_endpoint: str) -> Any:
    return make_client("s3", moto_endpoint)


@pytest.fixture(scope="session")
def kms_client(moto_endpoint: str) -> Any:
    return make_client("kms", moto_endpoint)


@pytest.fixture
def kms_key_id(kms_client: Any) -> str:
    """A fresh symmetric KMS key in moto."""
    return str(kms_client.create_key(Description="coc-service test")["KeyMetadata"]["KeyId"])


@pytest.fixture
def bucket(s3_client: Any) -> str:
    """A new versioned bucket, unique to the test."""
    name = f"coc-test-{secrets.token_hex(6)}"
    s3_client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3_client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


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


def _raw_object(store: DocumentStore, key: str) -> bytes:
    """Return the bytes as stored (ciphertext), read around the store's own API."""
    if isinstance(store, S3DocumentStore):
        return bytes(store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read())
    assert isinstance(store, LocalDocumentStore)
    return store.root.joinpath(*key.split("/")).read_bytes()


def _replace_raw_object(store: DocumentStore, key: str, data: bytes) -> None:
    """Overwrite the stored bytes directly, as an attacker with storage access could."""
    if isinstance(store, S3DocumentStore):
        store.client.put_object(Bucket=store.bucket, Key=key, Body=data)
        return
    assert isinstance(store, LocalDocumentStore)
    store.root.joinpath(*key.split("/")).write_bytes(data)


@pytest.fixture
def read_raw() -> Callable[[DocumentStore, str], bytes]:
    return _raw_object


@pytest.fixture
def write_raw() -> Callable[[DocumentStore, str, bytes], None]:
    return _replace_raw_object


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
