"""Document store on S3 (AWS, MinIO, Ceph) through boto3, for production.

Objects are encrypted by us (crypto.py) before they leave the process; server-side encryption
is requested on every write as well. Large objects go up in a sequential multipart upload, one
part in memory at a time, aborted on any failure. The bucket is versioned, so erasure deletes
every version and delete marker of a key, not just the current one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from coc_service.storage.aws_errors import error_code, map_aws_error
from coc_service.storage.base import DocumentStore, StoredObject, validate_key, validate_prefix
from coc_service.storage.bucket import init_bucket
from coc_service.storage.crypto import (
    DEFAULT_CHUNK_SIZE,
    DecryptingReader,
    EncryptingReader,
    ObjectEncryptor,
    Source,
)
from coc_service.storage.errors import StorageError, StorageUnavailable

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB  # S3's own minimum for every part but the last
SSE_MODES = ("AES256", "aws:kms")
_AWS_ERRORS = (ClientError, BotoCoreError)


class _MappedBody(io.RawIOBase):
    """A response body whose network failures surface as StorageUnavailable."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return bytes(self._body.read(None if size < 0 else size))
        except _AWS_ERRORS as exc:
            raise map_aws_error(exc, "S3 read") from None

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_into(reader: EncryptingReader, size: int, start: bytes | bytearray = b"") -> bytearray:
    """Return up to `size` bytes: `start` then what `reader` gives, in one growing buffer.

    The buffer grows with what arrives, so a small object never costs a whole part of memory.
    """
    buffer = bytearray(start)
    while len(buffer) < size:
        piece = reader.read_view(size - len(buffer))
        if not piece:
            break
        buffer += piece
    return buffer


class S3DocumentStore(DocumentStore):
    """Encrypted objects in `bucket`; `sse` is "AES256", "aws:kms" or None (none requested)."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        sse: str | None = "AES256",
        sse_kms_key_id: str | None = None,
        multipart_threshold: int = 8 * MIB,
        part_size: int = 8 * MIB,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        list_page_size: int = 1000,
    ) -> None:
        if sse not in (*SSE_MODES, None):
            raise ValueError("sse must be 'AES256', 'aws:kms' or None")
        if part_size < MIN_PART_SIZE:
            raise ValueError("S3 parts are at least 5 MiB")
        if multipart_threshold < part_size:
            raise ValueError("the multipart threshold cannot be below the part size")
        self.client = client
        self.bucket = bucket
        self.sse = sse
        self.sse_kms_key_id = sse_kms_key_id
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.chunk_size = chunk_size
        self._pages = {"PageSize": list_page_size}

    def _write_args(self) -> dict[str, str]:
        args = {"ContentType": "application/octet-stream"}
        if self.sse:
            args["ServerSideEncryption"] = self.sse
            if self.sse == "aws:kms" and self.sse_kms_key_id:
                args["SSEKMSKeyId"] = self.sse_kms_key_id
        return args

    def put(
        self, key: str, stream: Source, data_key: bytes, *, content_type: str | None = None
    ) -> StoredObject:
        validate_key(key)
        encryptor = ObjectEncryptor(data_key, key, chunk_size=self.chunk_size)
        reader = EncryptingReader(encryptor, stream)
        head = _read_into(reader, self.multipart_threshold)
        if len(head) < self.multipart_threshold:
            try:
                self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=head, **self._write_args()
                )
            except _AWS_ERRORS as exc:
                raise map_aws_error(exc, "S3 put") from None
        else:
            parts = self._parts(head, reader)
            del head
            self._multipart(key, parts)
        return StoredObject(
            key, encryptor.size_plain, encryptor.size_stored, encryptor.sha256_plain
        )

    def _parts(self, head: bytearray, reader: EncryptingReader) -> Iterator[bytearray]:
        """Yield the ciphertext in parts of `part_size` bytes (the last one shorter)."""
        size = self.part_size
        full = len(head) - len(head) % size
        for start in range(0, full, size):
            yield head if len(head) == size else head[start : start + size]
        leftover = head[full:]
        del head  # from here on only the part being uploaded is held in memory
        while True:
            part = _read_into(reader, size, leftover)
            leftover = bytearray()
            if not part:
                return
            last = len(part) < size
            yield part
            del part  # before the next part is read, or two would be held at once
            if last:
                return

    def _multipart(self, key: str, parts: Iterator[bytearray]) -> None:
        try:
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, **self._write_args()
            )["UploadId"]
        except _AWS_ERRORS as exc:
            raise map_aws_error(exc, "S3 multipart start") from None
        try:
            done: list[dict[str, Any]] = []
            # No enumerate(): its reused result tuple would keep the previous part alive while
            # the next one is read, doubling the memory held.
            for part in parts:
                number = len(done) + 1
                response = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=part
                )
                del part  # let the next part be read without this one still held
                done.append({"PartNumber": number, "ETag": response["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}
            )
        except BaseException as exc:
            # If the abort fails too, the lifecycle rule removes the parts after a day.
            with suppress(*_AWS_ERRORS):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            if isinstance(exc, _AWS_ERRORS):
                raise map_aws_error(exc, "S3 multipart upload") from None
            raise

    @contextmanager
    def open(self, key: str, data_key: bytes) -> Iterator[IO[bytes]]:
        validate_key(key)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except _AWS_ERRORS as exc:
            raise map_aws_error(exc, "S3 get") from None
        try:
            yield io.BufferedReader(DecryptingReader(_MappedBody(body), data_key, key))
        finally:
            body.close()

    def _versions(self, prefix: str) -> Iterator[dict[str, str]]:
        """Yield {Key, VersionId} for every version and delete marker under `prefix`."""
        paginator = self.client.get_paginator("list_object_versions")
        try:
            for page in paginator.paginate(
                Bucket=self.bucket, Prefix=prefix, PaginationConfig=self._pages
            ):
                for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                    yield {"Key": entry["Key"], "VersionId": entry["VersionId"]}
        except _AWS_ERRORS as exc:
            raise map_aws_error(exc, "S3 list versions") from None

    def _delete_versions(self, entries: list[dict[str, str]]) -> None:
        for start in range(0, len(entries), 1000):
            batch = entries[start : start + 1000]
            try:
                response = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except _AWS_ERRORS as exc:
                raise map_aws_error(exc, "S3 delete") from None
            if response.get("Errors"):
                codes = sorted({str(e.get("Code")) for e in response["Errors"]})
                raise StorageUnavailable(f"S3 delete: some versions remain ({', '.join(codes)})")

    def _erase(self, prefix: str, exact: str | None) -> int:
        keys: set[str] = set()
        # A second pass catches a version written while the first one was being deleted.
        for _ in range(3):
            entries = [e for e in self._versions(prefix) if exact is None or e["Key"] == exact]
            if not entries:
                return len(keys)
            keys.update(e["Key"] for e in entries)
            self._delete_versions(entries)
        raise StorageError("S3 delete: new versions keep appearing under the key")

    def delete(self, key: str) -> None:
        self._erase(validate_key(key), exact=key)

    def delete_prefix(self, prefix: str) -> int:
        return self._erase(validate_prefix(prefix, folder=True), exact=None)

    def exists(self, key: str) -> bool:
        validate_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise map_aws_error(exc, "S3 head") from None
        except BotoCoreError as exc:
            raise map_aws_error(exc, "S3 head") from None
        return True

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(
                Bucket=self.bucket, Prefix=prefix, PaginationConfig=self._pages
            ):
                for entry in page.get("Contents", []):
                    yield entry["Key"]
        except _AWS_ERRORS as exc:
            raise map_aws_error(exc, "S3 list") from None

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except _AWS_ERRORS as exc:
            code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
            raise StorageUnavailable(f"S3 bucket not reachable ({code})") from None

    def init_bucket(self, *, noncurrent_version_days: int = 30) -> list[str]:
        """Create and harden the bucket; return one line per action taken (see bucket.py)."""
        return init_bucket(
            self.client,
            self.bucket,
            sse=self.sse,
            sse_kms_key_id=self.sse_kms_key_id,
            noncurrent_version_days=noncurrent_version_days,
        )
