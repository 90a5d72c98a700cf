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

import io
import os
import struct
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from coc_service.storage.digest import BackgroundDigest
from coc_service.storage.errors import IntegrityError
from coc_service.storage.sources import BlockFiller, Readable, Source, read_exact

__all__ = ["DecryptingReader", "EncryptingReader", "ObjectEncryptor", "Readable", "Source",
           "decrypt_stream", "encrypt_stream", "encrypted_size"]

MAGIC = b"COCS"
VERSION = 1
DEFAULT_CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 8 * 1024 * 1024  # bounds what a forged header can make a reader allocate
TAG_SIZE = 16
DATA_KEY_SIZE = 32
_HEADER = struct.Struct(">4sBI32s4s")
HEADER_SIZE = _HEADER.size
_HKDF_INFO = b"coc-service object subkey v1\x00"


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
    """Seals one object, either as `chunks(source)` or as `batches(source)` (the fast path).

    After the iterator is exhausted `size_plain`, `size_stored` and `sha256_plain` describe what
    was written.
    """

    def __init__(
        self, data_key: bytes, object_key: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> None:
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size must be between 1 and {MAX_CHUNK_SIZE}")
        salt = os.urandom(32)
        prefix = os.urandom(4)
        self.chunk_size = chunk_size
        self.header = _HEADER.pack(MAGIC, VERSION, chunk_size, salt, prefix)
        self._aead = _cipher(data_key, salt, object_key)
        # nonce and aad are rewritten in place for each chunk: prefix | index, and
        # header | key | index | final flag
        self._nonce = bytearray(prefix + bytes(8))
        aad_prefix = _aad_prefix(self.header, object_key)
        self._aad = bytearray(aad_prefix + bytes(9))
        self._aad_at = len(aad_prefix)
        self._index = 0
        self._started = False
        self._digest = BackgroundDigest()
        self.size_plain = 0
        self.size_stored = 0

    @property
    def sha256_plain(self) -> str:
        return self._digest.hexdigest()

    def _seal_into(self, plaintext: memoryview, final: bool, out: memoryview) -> int:
        """Seal one chunk into the start of `out`; return the bytes written there."""
        struct.pack_into(">Q", self._nonce, 4, self._index)
        struct.pack_into(">QB", self._aad, self._aad_at, self._index, final)
        self._index += 1
        size = len(plaintext) + TAG_SIZE
        self._aead.encrypt_into(self._nonce, plaintext, self._aad, out[:size])
        return size

    def batches(self, source: Source, *, batch_chunks: int = 4) -> Iterator[memoryview]:
        """Yield the encrypted object in pieces of up to `batch_chunks` sealed chunks.

        The first piece starts with the header. Each piece is a view of a buffer reused for
        the next one: write or copy it before asking for more. Memory is three buffers of
        `batch_chunks` chunks (two of plaintext, one sealed), whatever the size of the object.
        """
        if self._started:
            raise RuntimeError("an ObjectEncryptor seals one object only")
        if batch_chunks < 1:
            raise ValueError("a batch holds at least one chunk")
        self._started = True
        chunk = self.chunk_size
        size = batch_chunks * chunk
        # two plaintext buffers: the next batch is read while the current one is sealed, so
        # that only the object's very last chunk is sealed final, and a buffer is refilled
        # only once its previous batch has been hashed
        buffers = (memoryview(bytearray(size)), memoryview(bytearray(size)))
        hashing = [0, 0]  # the digest's ticket for each buffer's last batch
        out = memoryview(bytearray(HEADER_SIZE + batch_chunks * (chunk + TAG_SIZE)))
        out[:HEADER_SIZE] = self.header
        start = HEADER_SIZE  # the header goes out with the first batch
        filler = BlockFiller(source, step=chunk)

        def fill(turn: int) -> memoryview:
            self._digest.wait(hashing[turn])
            view = buffers[turn][: filler.fill(buffers[turn])]
            hashing[turn] = self._digest.update(view, background=len(view) == size)
            return view

        try:
            turn = 0
            current = fill(turn)
            while True:
                more = len(current) == size and not filler.ended
                following = fill(1 - turn) if more else buffers[0][:0]
                last = not following
                written = start
                for offset in range(0, max(len(current), 1), chunk):
                    piece = current[offset : offset + chunk]
                    final = last and offset + chunk >= len(current)
                    written += self._seal_into(piece, final, out[written:])
                self.size_plain += len(current)
                self.size_stored += written
                yield out[:written]
                if last:
                    return
                start, current, turn = 0, following, 1 - turn
        finally:
            self._digest.close()

    def chunks(self, source: Source) -> Iterator[bytes]:
        """Yield the encrypted object as byte strings (copies of what `batches` yields)."""
        for piece in self.batches(source):
            yield bytes(piece)


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
    """A readable raw stream over an iterator of byte strings or of views of a reused buffer
    (each piece is copied out before the next one is asked for)."""

    def __init__(self, chunks: Iterator[bytes | memoryview]) -> None:
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
        super().__init__(encryptor.batches(source))
        self.encryptor = encryptor
