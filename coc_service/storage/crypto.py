"""Streaming authenticated encryption of stored objects (format version 1).

Layout of an encrypted object::

    header  = magic "COCS" | version u8 (1) | chunk size u32 | salt (32) | nonce prefix (4)
    chunk_i = AES-256-GCM(subkey, nonce = prefix | i u64, plaintext_i, aad_i) with its 16-byte tag

Every chunk holds exactly `chunk size` plaintext bytes except the last, which holds 0 to
`chunk size` bytes (an empty object is one empty final chunk). The subkey is
HKDF-SHA256(data key, salt, info = object key), so an order's data key never encrypts anything
itself and two objects never share a key. aad_i binds the whole header, the object key, the chunk
index and a final-chunk flag: a flipped byte, reordered or dropped chunks, a cut-off or extended
tail, an object copied under another key and a wrong data key all fail authentication.

Decryption releases each chunk only after its tag verified; a stream cut exactly at a chunk
boundary is reported when the end is reached, so a reader must treat an IntegrityError raised at
any point as "the whole object is bad".
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from collections.abc import Iterable, Iterator
from typing import IO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from coc_service.storage.errors import IntegrityError

MAGIC = b"COCS"
VERSION = 1
DEFAULT_CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 8 * 1024 * 1024  # bounds what a forged header can make a reader allocate
TAG_SIZE = 16
DATA_KEY_SIZE = 32
_HEADER = struct.Struct(">4sBI32s4s")
HEADER_SIZE = _HEADER.size
_HKDF_INFO = b"coc-service object subkey v1\x00"


class Readable(Protocol):
    """Anything with a binary `read(size)`: files, sockets' makefile, raw and buffered streams."""

    def read(self, size: int = -1, /) -> bytes | None: ...


# What put() and encrypt_stream() accept: a binary file-like, an iterable of byte strings, bytes.
Source = IO[bytes] | Iterable[bytes] | bytes | bytearray | memoryview


def encrypted_size(plain_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Return the stored size of an object of `plain_size` plaintext bytes."""
    chunks = max(1, -(-plain_size // chunk_size))
    return HEADER_SIZE + plain_size + chunks * TAG_SIZE


def _cipher(data_key: bytes, salt: bytes, object_key: str) -> AESGCM:
    if len(data_key) != DATA_KEY_SIZE:
        raise ValueError("a data key is 32 bytes")
    subkey = HKDF(
        algorithm=SHA256(), length=32, salt=salt, info=_HKDF_INFO + object_key.encode("utf-8")
    ).derive(bytes(data_key))
    return AESGCM(subkey)


def _aad_prefix(header: bytes, object_key: str) -> bytes:
    encoded = object_key.encode("utf-8")
    return header + struct.pack(">H", len(encoded)) + encoded


class ObjectEncryptor:
    """Seals one object; `chunks(source)` yields the header then each sealed chunk.

    After the iterator is exhausted `size_plain`, `size_stored` and `sha256_plain` describe what
    was written.
    """

    def __init__(
        self, data_key: bytes, object_key: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> None:
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size must be between 1 and {MAX_CHUNK_SIZE}")
        salt = os.urandom(32)
        self._prefix = os.urandom(4)
        self.chunk_size = chunk_size
        self.header = _HEADER.pack(MAGIC, VERSION, chunk_size, salt, self._prefix)
        self._aead = _cipher(data_key, salt, object_key)
        self._aad = _aad_prefix(self.header, object_key)
        self._index = 0
        self._hash = hashlib.sha256()
        self.size_plain = 0
        self.size_stored = 0

    @property
    def sha256_plain(self) -> str:
        return self._hash.hexdigest()

    def _seal(self, plaintext: bytes, final: bool) -> bytes:
        index = self._index
        self._index += 1
        self._hash.update(plaintext)
        self.size_plain += len(plaintext)
        sealed = self._aead.encrypt(
            self._prefix + struct.pack(">Q", index),
            plaintext,
            self._aad + struct.pack(">QB", index, final),
        )
        self.size_stored += len(sealed)
        return sealed

    def chunks(self, source: Source) -> Iterator[bytes]:
        """Yield the encrypted object: header, then one sealed chunk per plaintext block."""
        if self._index:
            raise RuntimeError("an ObjectEncryptor seals one object only")
        self.size_stored = len(self.header)
        yield self.header
        previous: bytes | None = None
        # One block of look-ahead: a chunk is sealed as final only when nothing follows it.
        for block in iter_blocks(source, self.chunk_size):
            if previous is not None:
                yield self._seal(previous, final=False)
            previous = block
        yield self._seal(previous if previous is not None else b"", final=True)


def encrypt_stream(
    source: Source, data_key: bytes, object_key: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[bytes]:
    """Yield the encrypted form of `source` piece by piece, in constant memory."""
    return ObjectEncryptor(data_key, object_key, chunk_size=chunk_size).chunks(source)


def decrypt_stream(source: Readable, data_key: bytes, object_key: str) -> Iterator[bytes]:
    """Yield the verified plaintext of an encrypted object chunk by chunk; raise IntegrityError."""
    header = read_exact(source, HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        raise IntegrityError("not an encrypted object: header truncated")
    magic, version, chunk_size, salt, prefix = _HEADER.unpack(header)
    if magic != MAGIC:
        raise IntegrityError("not an encrypted object: bad magic")
    if version != VERSION:
        raise IntegrityError(f"unsupported encryption format version {version}")
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise IntegrityError("corrupt header: chunk size out of range")
    aead = _cipher(data_key, salt, object_key)
    aad = _aad_prefix(header, object_key)
    block_size = chunk_size + TAG_SIZE
    current = read_exact(source, block_size)
    index = 0
    while True:
        following = read_exact(source, block_size)
        final = not following
        try:
            plaintext = aead.decrypt(
                prefix + struct.pack(">Q", index), current, aad + struct.pack(">QB", index, final)
            )
        except InvalidTag:
            raise IntegrityError(
                f"object failed authentication at chunk {index}: tampered, truncated, "
                "stored under another key, or the wrong data key"
            ) from None
        yield plaintext
        if final:
            return
        current = following
        index += 1


class _ChunkReader(io.RawIOBase):
    """A readable raw stream over an iterator of byte strings."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def read_view(self, limit: int) -> memoryview:
        """Return up to `limit` next bytes as a view of the current chunk (empty at the end)."""
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return self._pending
        piece = self._pending[:limit]
        self._pending = self._pending[limit:]
        return piece

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        piece = self.read_view(len(buffer))
        buffer[: len(piece)] = piece
        return len(piece)


class DecryptingReader(_ChunkReader):
    """A readable raw stream of verified plaintext over an encrypted source."""

    def __init__(self, source: Readable, data_key: bytes, object_key: str) -> None:
        super().__init__(decrypt_stream(source, data_key, object_key))


class EncryptingReader(_ChunkReader):
    """A readable raw stream of ciphertext over a plaintext source (for upload APIs)."""

    def __init__(self, encryptor: ObjectEncryptor, source: Source) -> None:
        super().__init__(encryptor.chunks(source))
        self.encryptor = encryptor


def read_exact(stream: Readable, size: int) -> bytes:
    """Return `size` bytes from `stream`, fewer only at its end (short reads are retried)."""
    data = stream.read(size) or b""
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = stream.read(size - got) or b""
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def iter_blocks(source: Source, size: int) -> Iterator[bytes]:
    """Yield `source` in blocks of exactly `size` bytes, the last one shorter (never empty)."""
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(bytes(source))
    if hasattr(source, "read"):
        stream: Readable = source  # type: ignore[assignment]
        while True:
            block = read_exact(stream, size)
            if block:
                yield block
            if len(block) < size:
                return
    pending = bytearray()
    for piece in source:
        pending += piece
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)
