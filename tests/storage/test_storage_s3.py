"""S3 specifics against moto: versions on erasure, SSE, multipart aborts, error mapping."""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from coc_service.storage.crypto import decrypt_stream
from coc_service.storage.errors import (
    IntegrityError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from coc_service.storage.s3 import MIB, S3DocumentStore

pytestmark = pytest.mark.services


def doc_key() -> str:
    return f"orders/{uuid.uuid4()}/documents/{uuid.uuid4()}"


def _versions(store: S3DocumentStore, prefix: str = "") -> tuple[list[Any], list[Any]]:
    listing = store.client.list_object_versions(Bucket=store.bucket, Prefix=prefix)
    return listing.get("Versions", []), listing.get("DeleteMarkers", [])


def test_delete_removes_every_version_and_marker(
    s3_store: S3DocumentStore, data_key: bytes
) -> None:
    key, neighbour = doc_key(), doc_key()
    s3_store.put(key, b"first", data_key)
    s3_store.put(key, b"second", data_key)
    s3_store.client.delete_object(Bucket=s3_store.bucket, Key=key)  # leaves a delete marker
    s3_store.put(key, b"third", data_key)
    s3_store.put(key + "-other", b"kept", data_key)  # same prefix, another key
    s3_store.put(neighbour, b"kept too", data_key)
    versions, markers = _versions(s3_store, key)
    assert len([v for v in versions if v["Key"] == key]) == 3 and len(markers) == 1

    s3_store.delete(key)

    versions, markers = _versions(s3_store, key)
    assert [v["Key"] for v in versions] == [key + "-other"]
    assert markers == []
    assert s3_store.read_bytes(key + "-other", data_key) == b"kept"
    assert s3_store.read_bytes(neighbour, data_key) == b"kept too"


def test_put_put_delete_leaves_no_version(s3_store: S3DocumentStore, data_key: bytes) -> None:
    key = doc_key()
    s3_store.put(key, b"v1", data_key)
    s3_store.put(key, b"v2", data_key)
    s3_store.delete(key)
    assert _versions(s3_store) == ([], [])


def test_delete_prefix_removes_every_version(s3_store: S3DocumentStore, data_key: bytes) -> None:
    order = uuid.uuid4()
    keys = [f"orders/{order}/documents/{uuid.uuid4()}" for _ in range(3)]
    for key in keys:
        s3_store.put(key, b"a", data_key)
        s3_store.put(key, b"b", data_key)
    assert s3_store.delete_prefix(f"orders/{order}/") == 3
    assert _versions(s3_store) == ([], [])


def test_after_erasure_no_version_decrypts(s3_store: S3DocumentStore, data_key: bytes) -> None:
    # A backup taken before erasure still holds every version's bytes; once the order's data
    # key is gone, none of them opens with any other key.
    key = doc_key()
    s3_store.put(key, b"scan, first upload", data_key)
    s3_store.put(key, b"scan, re-upload", data_key)
    backup = []
    for version in _versions(s3_store, key)[0]:
        body = s3_store.client.get_object(
            Bucket=s3_store.bucket, Key=key, VersionId=version["VersionId"]
        )["Body"].read()
        backup.append(bytes(body))
    assert len(backup) == 2
    assert {b"".join(decrypt_stream(io.BytesIO(b), data_key, key)) for b in backup} == {
        b"scan, first upload", b"scan, re-upload"}
    s3_store.delete(key)
    del data_key  # erasure deletes the order's only wrapped data key
    with pytest.raises(ObjectNotFound):
        s3_store.read_bytes(key, secrets.token_bytes(32))
    for blob in backup:
        with pytest.raises(IntegrityError):
            b"".join(decrypt_stream(io.BytesIO(blob), secrets.token_bytes(32), key))


@pytest.mark.parametrize("size", [10, 6 * MIB], ids=["single", "multipart"])
def test_server_side_encryption_requested(
    s3_client: Any, bucket: str, kms_key_id: str, data_key: bytes, size: int
) -> None:
    for sse, kms_id in (("AES256", None), ("aws:kms", kms_key_id)):
        store = S3DocumentStore(s3_client, bucket, sse=sse, sse_kms_key_id=kms_id,
                                multipart_threshold=5 * MIB, part_size=5 * MIB)
        key = doc_key()
        store.put(key, secrets.token_bytes(size), data_key)
        head = s3_client.head_object(Bucket=bucket, Key=key)
        assert head["ServerSideEncryption"] == sse
        if kms_id:
            assert kms_id in head["SSEKMSKeyId"]
        assert head["ContentType"] == "application/octet-stream"


class FailingSource(io.RawIOBase):
    """A client upload that breaks off after `size` bytes."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            raise ConnectionResetError("client went away")
        count = min(len(buffer), self.left)
        buffer[:count] = b"\0" * count
        self.left -= count
        return count


def test_failed_multipart_upload_is_aborted(s3_store: S3DocumentStore, data_key: bytes) -> None:
    key = doc_key()
    with pytest.raises(ConnectionResetError):
        s3_store.put(key, io.BufferedReader(FailingSource(12 * MIB)), data_key)
    uploads = s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket)
    assert uploads.get("Uploads", []) == []
    assert not s3_store.exists(key)


def test_unreachable_store_is_unavailable(
    closed_port_client: Callable[[str], Any], data_key: bytes
) -> None:
    store = S3DocumentStore(closed_port_client("s3"), "coc-nowhere")
    key = doc_key()
    calls: list[Callable[[], object]] = [
        store.check,
        lambda: store.put(key, b"x", data_key),
        lambda: store.read_bytes(key, data_key),
        lambda: store.exists(key),
        lambda: list(store.list_keys()),
        lambda: store.delete(key),
    ]
    for call in calls:
        with pytest.raises(StorageUnavailable) as caught:
            call()
        assert caught.value.retryable and caught.value.exit_code == 3


def test_missing_bucket_fails_the_readiness_check(s3_client: Any) -> None:
    with pytest.raises(StorageUnavailable):
        S3DocumentStore(s3_client, f"coc-missing-{secrets.token_hex(4)}").check()


class CutBody:
    """A response body whose connection drops half-way."""

    def __init__(self, body: Any) -> None:
        self.body, self.reads = body, 0

    def read(self, size: int | None = None) -> bytes:
        from botocore.exceptions import ResponseStreamingError

        self.reads += 1
        if self.reads > 2:
            raise ResponseStreamingError(error="connection reset")
        return bytes(self.body.read(size))

    def close(self) -> None:
        self.body.close()


def test_stream_cut_mid_read_is_unavailable(s3_store: S3DocumentStore, data_key: bytes) -> None:
    key = doc_key()
    s3_store.put(key, secrets.token_bytes(300_000), data_key)
    real_get = s3_store.client.get_object

    def cut_get(**kwargs: Any) -> dict[str, Any]:
        response = dict(real_get(**kwargs))
        response["Body"] = CutBody(response["Body"])
        return response

    store = S3DocumentStore(_ClientWith(s3_store.client, get_object=cut_get), s3_store.bucket)
    with pytest.raises(StorageUnavailable):
        store.read_bytes(key, data_key)


class _ClientWith:
    """The real client with some methods replaced (a local stand-in, no global patching)."""

    def __init__(self, client: Any, **methods: Callable[..., Any]) -> None:
        self._client, self._methods = client, methods

    def __getattr__(self, name: str) -> Any:
        return self._methods.get(name) or getattr(self._client, name)


def test_settings_are_validated(s3_client: Any) -> None:
    with pytest.raises(ValueError):
        S3DocumentStore(s3_client, "b", sse="rot13")
    with pytest.raises(ValueError):
        S3DocumentStore(s3_client, "b", part_size=MIB)
    with pytest.raises(StorageError):  # refused by the server, not worth a retry
        S3DocumentStore(s3_client, "No_Such Bucket!").init_bucket()


def test_listing_and_erasure_page_through_everything(s3_client: Any, bucket: str) -> None:
    store = S3DocumentStore(s3_client, bucket, list_page_size=4)
    order = uuid.uuid4()
    keys = sorted(f"orders/{order}/documents/{i:02d}" for i in range(11))
    for key in keys:  # raw puts, two versions each: listing does not care about the content
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"y")
    assert list(store.list_keys(f"orders/{order}/")) == keys
    assert store.delete_prefix(f"orders/{order}/") == 11
    assert _versions(store) == ([], [])
