"""The encrypted object format on its own: round trips, chunk boundaries and every tampering."""

from __future__ import annotations

import hashlib
import io
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coc_service.storage.crypto import (
    HEADER_SIZE,
    TAG_SIZE,
    DecryptingReader,
    EncryptingReader,
    ObjectEncryptor,
    decrypt_stream,
    encrypt_stream,
    encrypted_size,
)
from coc_service.storage.errors import IntegrityError

KEY = "orders/0b8e3c55-8d4c-4f57-9a3e-6f1f2c9d7a10/documents/5d2f1e1a-7c3b-4a8e-b1f2-3c4d5e6f7a8b"
CHUNK = 1024  # small chunks keep multi-chunk cases cheap; the format stores the size


def seal(plaintext: bytes, data_key: bytes, key: str = KEY, chunk: int = CHUNK) -> bytes:
    return b"".join(encrypt_stream(io.BytesIO(plaintext), data_key, key, chunk_size=chunk))


def open_sealed(sealed: bytes, data_key: bytes, key: str = KEY) -> bytes:
    return b"".join(decrypt_stream(io.BytesIO(sealed), data_key, key))


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17]
)
def test_round_trip_at_chunk_boundaries(size: int) -> None:
    data_key = secrets.token_bytes(32)
    plaintext = secrets.token_bytes(size)
    encryptor = ObjectEncryptor(data_key, KEY, chunk_size=CHUNK)
    sealed = b"".join(encryptor.chunks(io.BytesIO(plaintext)))
    assert len(sealed) == encrypted_size(size, CHUNK) == encryptor.size_stored
    assert encryptor.size_plain == size
    assert open_sealed(sealed, data_key) == plaintext


@settings(max_examples=40, deadline=None)
@given(
    plaintext=st.binary(max_size=5000),
    chunk=st.integers(min_value=1, max_value=700),
    pieces=st.lists(st.integers(min_value=1, max_value=900), min_size=1, max_size=8),
)
def test_round_trip_from_any_iterable_split(
    plaintext: bytes, chunk: int, pieces: list[int]
) -> None:
    data_key = secrets.token_bytes(32)

    def split() -> list[bytes]:
        out, start, i = [], 0, 0
        while start < len(plaintext):
            step = pieces[i % len(pieces)]
            out.append(plaintext[start : start + step])
            start, i = start + step, i + 1
        return out

    sealed = b"".join(encrypt_stream(split(), data_key, KEY, chunk_size=chunk))
    assert len(sealed) == encrypted_size(len(plaintext), chunk)
    assert open_sealed(sealed, data_key) == plaintext


def test_readers_stream_both_ways() -> None:
    data_key = secrets.token_bytes(32)
    plaintext = secrets.token_bytes(5 * CHUNK + 3)
    encryptor = ObjectEncryptor(data_key, KEY, chunk_size=CHUNK)
    sealed = io.BufferedReader(EncryptingReader(encryptor, io.BytesIO(plaintext))).read()
    reader = io.BufferedReader(DecryptingReader(io.BytesIO(sealed), data_key, KEY))
    assert reader.read(10) + reader.read() == plaintext
    assert encryptor.sha256_plain == hashlib.sha256(plaintext).hexdigest()


def test_same_plaintext_never_gives_the_same_bytes() -> None:
    data_key = secrets.token_bytes(32)
    plaintext = b"A" * 3000
    assert seal(plaintext, data_key) != seal(plaintext, data_key)


def test_data_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError):
        seal(b"x", b"short")


@pytest.fixture
def sealed_case() -> tuple[bytes, bytes, bytes]:
    data_key = secrets.token_bytes(32)
    plaintext = secrets.token_bytes(3 * CHUNK + 100)  # three full chunks and a short final one
    return data_key, plaintext, seal(plaintext, data_key)


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


BLOCK = CHUNK + TAG_SIZE


@pytest.mark.parametrize(
    "where",
    [0, 4, 5, 9, 30, HEADER_SIZE - 1,  # magic, version, chunk size, salt, nonce prefix
     HEADER_SIZE, HEADER_SIZE + 500,  # first chunk's ciphertext
     HEADER_SIZE + BLOCK - 1,  # first chunk's tag
     HEADER_SIZE + 2 * BLOCK + 7, -1],  # a middle chunk, the final tag
)
def test_any_flipped_byte_is_detected(sealed_case: tuple[bytes, bytes, bytes], where: int) -> None:
    data_key, _, sealed = sealed_case
    offset = where % len(sealed)
    with pytest.raises(IntegrityError):
        open_sealed(_flip(sealed, offset), data_key)


def test_truncated_last_chunk_is_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    data_key, _, sealed = sealed_case
    with pytest.raises(IntegrityError):
        open_sealed(sealed[:-5], data_key)


def test_dropped_final_chunk_is_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    # Cut exactly at a chunk boundary: every remaining chunk authenticates on its own, so the
    # final-chunk flag is what catches it.
    data_key, plaintext, sealed = sealed_case
    cut = sealed[: HEADER_SIZE + 3 * BLOCK]
    received = bytearray()
    with pytest.raises(IntegrityError):
        for piece in decrypt_stream(io.BytesIO(cut), data_key, KEY):
            received += piece
    assert bytes(received) == plaintext[: 2 * CHUNK]  # the error came before the last chunk


def test_appended_chunk_is_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    data_key, _, sealed = sealed_case
    first_chunk = sealed[HEADER_SIZE : HEADER_SIZE + BLOCK]
    with pytest.raises(IntegrityError):
        open_sealed(sealed + first_chunk, data_key)


def test_header_only_is_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    data_key, _, sealed = sealed_case
    with pytest.raises(IntegrityError):
        open_sealed(sealed[:HEADER_SIZE], data_key)
    with pytest.raises(IntegrityError):
        open_sealed(sealed[: HEADER_SIZE - 1], data_key)


def test_reordered_chunks_are_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    data_key, _, sealed = sealed_case
    header, body = sealed[:HEADER_SIZE], sealed[HEADER_SIZE:]
    one, two = body[:BLOCK], body[BLOCK : 2 * BLOCK]
    with pytest.raises(IntegrityError):
        open_sealed(header + two + one + body[2 * BLOCK :], data_key)


def test_chunk_from_another_object_is_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    data_key, plaintext, sealed = sealed_case
    other = seal(plaintext, data_key)  # same key, same plaintext, other object
    spliced = sealed[: HEADER_SIZE + BLOCK] + other[HEADER_SIZE + BLOCK :]
    with pytest.raises(IntegrityError):
        open_sealed(spliced, data_key)


def test_object_under_another_key_is_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    data_key, _, sealed = sealed_case
    with pytest.raises(IntegrityError):
        open_sealed(sealed, data_key, key=KEY.replace("documents/5", "documents/6"))


def test_wrong_data_key_is_detected(sealed_case: tuple[bytes, bytes, bytes]) -> None:
    _, _, sealed = sealed_case
    with pytest.raises(IntegrityError):
        open_sealed(sealed, secrets.token_bytes(32))


def test_not_an_encrypted_object() -> None:
    with pytest.raises(IntegrityError):
        open_sealed(b"%PDF-1.7\n" + b"x" * 100, secrets.token_bytes(32))


class _ReadOnly:
    """A stream with `read` only (no `readinto`), returning short reads."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 333) if size > 0 else size)


@settings(max_examples=60, deadline=None)
@given(
    plaintext=st.binary(max_size=5000),
    chunk=st.integers(min_value=1, max_value=700),
    batch=st.integers(min_value=1, max_value=5),
    kind=st.sampled_from(["readinto", "read", "bytes", "memoryview", "iterable"]),
)
def test_batches_match_the_format_from_any_source(
    plaintext: bytes, chunk: int, batch: int, kind: str
) -> None:
    data_key = secrets.token_bytes(32)
    source: object = {
        "readinto": lambda: io.BufferedReader(io.BytesIO(plaintext), buffer_size=97),
        "read": lambda: _ReadOnly(plaintext),
        "bytes": lambda: plaintext,
        "memoryview": lambda: memoryview(bytearray(plaintext)),
        "iterable": lambda: iter([plaintext[i : i + 211] for i in range(0, len(plaintext), 211)]),
    }[kind]()
    encryptor = ObjectEncryptor(data_key, KEY, chunk_size=chunk)
    # each piece is a view of a reused buffer: copy it before asking for the next
    sealed = b"".join(bytes(piece) for piece in encryptor.batches(source, batch_chunks=batch))
    assert sealed[:HEADER_SIZE] == encryptor.header
    assert len(sealed) == encrypted_size(len(plaintext), chunk) == encryptor.size_stored
    assert encryptor.size_plain == len(plaintext)
    assert encryptor.sha256_plain == hashlib.sha256(plaintext).hexdigest()
    assert open_sealed(sealed, data_key) == plaintext


def test_large_objects_hash_beside_the_encryption() -> None:
    # several batches: the digest runs on the helper thread and must still see every byte once
    data_key = secrets.token_bytes(32)
    plaintext = secrets.token_bytes(10 * CHUNK * 4 + 5)
    encryptor = ObjectEncryptor(data_key, KEY, chunk_size=CHUNK)
    sealed = b"".join(bytes(p) for p in encryptor.batches(io.BytesIO(plaintext), batch_chunks=4))
    assert encryptor.sha256_plain == hashlib.sha256(plaintext).hexdigest()
    assert open_sealed(sealed, data_key) == plaintext
