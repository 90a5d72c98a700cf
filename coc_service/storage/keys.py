"""Data keys and the providers that wrap them (envelope encryption).

Each order gets a random 32-byte data key. Only its wrapped form is stored (in the database);
the plaintext exists in memory while a document is read or written. Every wrapped key starts
with the id of the master key that wrapped it::

    wrapped = "CWK1" | key-id length u16 | key id (UTF-8) | provider payload

so that several master keys can coexist while `coc-service keys rotate` re-wraps every data key,
and a rotation that stops half-way can simply be run again (already re-wrapped keys are skipped).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from coc_service.storage.errors import IntegrityError, UnknownMasterKey

WRAPPED_MAGIC = b"CWK1"
DATA_KEY_SIZE = 32


@dataclass(frozen=True)
class DataKey:
    """A fresh data key: the plaintext to use now and the wrapped form to store."""

    plaintext: bytes = field(repr=False)
    wrapped: bytes = field(repr=False)
    key_id: str


@runtime_checkable
class KeyProvider(Protocol):
    """Wraps and unwraps data keys under a master key it never reveals."""

    @property
    def key_id(self) -> str:
        """The id of the master key that new data keys are wrapped with."""
        ...

    def generate_data_key(self) -> DataKey: ...

    def wrap(self, plaintext: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes) -> bytes: ...

    def accepts(self, key_id: str) -> bool:
        """Whether `unwrap` can open keys wrapped under `key_id`."""
        ...


def frame(key_id: str, payload: bytes) -> bytes:
    """Return a wrapped key: the provider's payload behind the master key's id."""
    encoded = key_id.encode("utf-8")
    return WRAPPED_MAGIC + struct.pack(">H", len(encoded)) + encoded + payload


def unframe(wrapped: bytes) -> tuple[str, bytes]:
    """Return (key id, payload) of a wrapped key; raise IntegrityError if it is malformed."""
    if len(wrapped) < 6 or wrapped[:4] != WRAPPED_MAGIC:
        raise IntegrityError("malformed wrapped data key")
    (length,) = struct.unpack(">H", wrapped[4:6])
    if len(wrapped) < 6 + length:
        raise IntegrityError("malformed wrapped data key")
    try:
        key_id = wrapped[6 : 6 + length].decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError("malformed wrapped data key") from None
    return key_id, wrapped[6 + length :]


def wrapped_key_id(wrapped: bytes) -> str:
    """Return the id of the master key a wrapped data key is wrapped under."""
    return unframe(wrapped)[0]


def check_data_key(plaintext: bytes) -> bytes:
    """Return `plaintext` if it is a 32-byte data key; raise ValueError otherwise."""
    if len(plaintext) != DATA_KEY_SIZE:
        raise ValueError("a data key is 32 bytes")
    return bytes(plaintext)


def needs_rewrap(wrapped: bytes, new: KeyProvider) -> bool:
    """Whether `wrapped` is still under another master key than `new`'s current one."""
    return wrapped_key_id(wrapped) != new.key_id


def rewrap(wrapped: bytes, old: KeyProvider, new: KeyProvider) -> bytes:
    """Return the data key re-wrapped under `new`; unchanged if it already is (idempotent).

    Objects are untouched: the data key itself stays the same, only its wrapping changes.
    """
    if not needs_rewrap(wrapped, new):
        return wrapped
    return new.wrap(old.unwrap(wrapped))


class KeyRing:
    """A provider that wraps with `primary` and unwraps with whichever provider accepts the key.

    Used while master keys rotate (old file and new file, or a key file and KMS during a move).
    """

    def __init__(self, primary: KeyProvider, *others: KeyProvider) -> None:
        self.primary = primary
        self.providers = (primary, *others)

    @property
    def key_id(self) -> str:
        return self.primary.key_id

    def generate_data_key(self) -> DataKey:
        return self.primary.generate_data_key()

    def wrap(self, plaintext: bytes) -> bytes:
        return self.primary.wrap(plaintext)

    def accepts(self, key_id: str) -> bool:
        return any(p.accepts(key_id) for p in self.providers)

    def unwrap(self, wrapped: bytes) -> bytes:
        key_id = wrapped_key_id(wrapped)
        for provider in self.providers:
            if provider.accepts(key_id):
                return provider.unwrap(wrapped)
        raise UnknownMasterKey(f"no configured master key has id {key_id}")
