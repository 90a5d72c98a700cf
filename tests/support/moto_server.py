"""moto's S3 and KMS in server mode on loopback, for every test that needs AWS (a pytest plugin).

moto runs in a child process (ThreadedMotoServer on port 0, the port read back from its
stdout), so its copies of our objects never count in the memory measured by the streaming
tests and nothing of moto is imported into the test process. Fake credentials are passed to
each boto3 client explicitly; the environment is never touched.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from coc_service.storage.factory import aws_client

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
        process.wait()
        log.close()
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


def create_versioned_bucket(client: Any) -> str:
    """Create a bucket with a fresh name and versioning on; return its name."""
    name = f"coc-test-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


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
