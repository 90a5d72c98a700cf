"""The one document storage interface; the local folder and S3 implement it identically.

Objects are always stored encrypted (see crypto.py) under the caller's data key: a store never
sees a wrapped key or a key provider, only the plaintext data key of the order at hand.

Object keys must carry no personal data (they show up in S3 listings, access logs and metrics):
the service uses ids only, e.g. ``orders/<order-uuid>/documents/<document-uuid>``. Keys are
relative paths of ASCII segments ``[A-Za-z0-9][A-Za-z0-9._-]*`` joined by ``/``; anything else
(``..``, absolute paths, empty segments, spaces, ``@``) is refused with InvalidObjectKey.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO

from coc_service.storage.crypto import Source
from coc_service.storage.errors import InvalidObjectKey

MAX_KEY_LENGTH = 512
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")


def validate_key(key: str) -> str:
    """Return `key` if it is a safe object key; raise InvalidObjectKey otherwise."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidObjectKey("object keys are relative paths of [A-Za-z0-9._-] segments")
    return key


def validate_prefix(prefix: str, *, folder: bool = False) -> str:
    """Return `prefix` if it can start safe keys; with `folder` it must end with '/'.

    A folder prefix is required where a prefix deletes: ``orders/12`` would also match
    ``orders/123/...``, ``orders/12/`` cannot.
    """
    if prefix == "" and not folder:
        return prefix
    if folder and not prefix.endswith("/"):
        raise InvalidObjectKey("a folder prefix ends with '/'")
    stem = prefix[:-1] if prefix.endswith("/") else prefix
    validate_key(stem)
    return prefix


@dataclass(frozen=True)
class StoredObject:
    """What `put` wrote: sizes before and after encryption and the plaintext's SHA-256 (hex)."""

    key: str
    size_plain: int
    size_stored: int
    sha256_plain: str


class DocumentStore(ABC):
    """Stores documents encrypted, streaming both ways in constant memory."""

    @abstractmethod
    def put(
        self, key: str, stream: Source, data_key: bytes, *, content_type: str | None = None
    ) -> StoredObject:
        """Return what was stored after encrypting `stream` under `key`, replacing any object.

        `stream` is a binary file-like (read until EOF), an iterable of byte strings or bytes.
        `content_type` is accepted for the caller's records only: it is never written in
        clear, the stored bytes are opaque ciphertext.
        """

    @abstractmethod
    def open(self, key: str, data_key: bytes) -> AbstractContextManager[IO[bytes]]:
        """Return a context manager yielding the object's plaintext as a readable stream.

        Raises ObjectNotFound on entry; reads raise IntegrityError as soon as a chunk fails to
        authenticate (possibly at the very end, for a truncated object).
        """

    def read_bytes(self, key: str, data_key: bytes) -> bytes:
        """Return the whole plaintext of a small object (verified to its last chunk)."""
        with self.open(key, data_key) as stream:
            return stream.read()

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object for good (every version on S3); a missing object is not an error."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Remove every object (and version) under the folder `prefix`; return how many keys."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a current object is stored under `key`."""

    @abstractmethod
    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield the keys of current objects starting with `prefix`, in sorted order."""

    @abstractmethod
    def check(self) -> None:
        """Return if the store is reachable and writable; raise StorageUnavailable if not."""
