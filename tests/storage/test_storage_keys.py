"""Key providers: the master key file, KMS (moto), wrapping, rotation and crypto-shredding."""

from __future__ import annotations

import secrets
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from coc_service.storage.base import DocumentStore
from coc_service.storage.errors import (
    IntegrityError,
    StorageError,
    StorageUnavailable,
    UnknownMasterKey,
)
from coc_service.storage.factory import key_provider_from_settings
from coc_service.storage.keys import KeyProvider, KeyRing, needs_rewrap, rewrap, wrapped_key_id
from coc_service.storage.kms import KmsKeyProvider
from coc_service.storage.local_keys import LocalKeyProvider, ensure_master_key, read_master_key

DOC = "orders/6a0d3f1e-2b4c-4d5e-8f90-a1b2c3d4e5f6/documents/1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b"


def test_master_key_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "master.key"
    assert ensure_master_key(path) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key = read_master_key(path)
    assert len(key) == 32
    ensure_master_key(path)
    assert read_master_key(path) == key  # never replaced once there
    assert [p.name for p in path.parent.iterdir()] == ["master.key"]  # no temporary left


def test_concurrent_creation_agrees_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    providers = [LocalKeyProvider(path) for _ in range(8)]
    ids: list[str] = []
    threads = [threading.Thread(target=lambda p=p: ids.append(p.key_id)) for p in providers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1


def test_bad_master_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text("not a key")
    with pytest.raises(StorageError):
        LocalKeyProvider(path).generate_data_key()
    with pytest.raises(StorageError):
        LocalKeyProvider(tmp_path / "missing.key", create=False).generate_data_key()


def _round_trip(provider: KeyProvider) -> None:
    data_key = provider.generate_data_key()
    assert len(data_key.plaintext) == 32
    assert data_key.plaintext not in data_key.wrapped
    assert data_key.key_id == provider.key_id == wrapped_key_id(data_key.wrapped)
    assert data_key.plaintext.hex() not in repr(data_key)
    assert provider.unwrap(data_key.wrapped) == data_key.plaintext
    assert provider.generate_data_key().plaintext != data_key.plaintext


def test_local_provider_round_trip(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "master.key")
    _round_trip(provider)
    assert provider.key_id.startswith("local:")


def test_local_provider_detects_tampering_and_foreign_keys(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "a.key")
    wrapped = provider.generate_data_key().wrapped
    flipped = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    with pytest.raises(IntegrityError):
        provider.unwrap(flipped)
    with pytest.raises(IntegrityError):
        provider.unwrap(b"garbage")
    with pytest.raises(UnknownMasterKey):
        LocalKeyProvider(tmp_path / "b.key").unwrap(wrapped)


@pytest.mark.services
def test_kms_provider_round_trip(kms_client: Any, kms_key_id: str) -> None:
    provider = KmsKeyProvider(kms_client, kms_key_id)
    _round_trip(provider)
    assert provider.key_id.startswith("kms:arn:aws:kms:")
    wrapped = provider.generate_data_key().wrapped
    with pytest.raises(IntegrityError):
        provider.unwrap(wrapped[:-4] + bytes(4))


@pytest.mark.services
def test_kms_provider_from_settings(moto_endpoint: str, kms_client: Any, kms_key_id: str) -> None:
    provider = key_provider_from_settings(
        "kms", kms_key_id=kms_key_id, endpoint_url=moto_endpoint, kms_client=kms_client
    )
    _round_trip(provider)


@pytest.mark.services
def test_kms_unreachable_is_unavailable(kms_key_id: str, closed_port_client: Any) -> None:
    provider = KmsKeyProvider(closed_port_client("kms"), kms_key_id)
    with pytest.raises(StorageUnavailable):
        provider.generate_data_key()


def test_rewrap_under_new_master_key_keeps_objects_readable(
    tmp_path: Path, document_store: DocumentStore
) -> None:
    old = LocalKeyProvider(tmp_path / "old.key")
    data_key = old.generate_data_key()
    document_store.put(DOC, b"scan bytes", data_key.plaintext)

    new = LocalKeyProvider(tmp_path / "new.key", previous_master_key_paths=[tmp_path / "old.key"])
    assert new.key_id != old.key_id
    assert needs_rewrap(data_key.wrapped, new)
    rewrapped = rewrap(data_key.wrapped, old, new)
    assert wrapped_key_id(rewrapped) == new.key_id
    assert rewrap(rewrapped, old, new) == rewrapped  # a re-run skips what is done
    assert not needs_rewrap(rewrapped, new)
    # Objects were not touched: the same data key, now under the new master key, reads them.
    only_new = LocalKeyProvider(tmp_path / "new.key")
    assert document_store.read_bytes(DOC, only_new.unwrap(rewrapped)) == b"scan bytes"
    # During the rotation the configured provider opens both old and new wrappings.
    assert new.unwrap(data_key.wrapped) == new.unwrap(rewrapped) == data_key.plaintext


@pytest.mark.services
def test_move_from_key_file_to_kms(tmp_path: Path, kms_client: Any, kms_key_id: str) -> None:
    local = LocalKeyProvider(tmp_path / "master.key")
    kms = KmsKeyProvider(kms_client, kms_key_id)
    ring = KeyRing(kms, local)
    old_wrapped = local.generate_data_key()
    moved = rewrap(old_wrapped.wrapped, ring, ring)
    assert wrapped_key_id(moved) == kms.key_id
    assert kms.unwrap(moved) == old_wrapped.plaintext
    assert ring.unwrap(old_wrapped.wrapped) == old_wrapped.plaintext  # not yet moved: still read
    assert ring.generate_data_key().key_id == kms.key_id


def test_without_the_data_key_nothing_decrypts(
    tmp_path: Path, document_store: DocumentStore
) -> None:
    # Crypto-shredding: once the wrapped data key is deleted, no provider can rebuild it, and
    # no other key opens the objects, wherever copies of them survived.
    provider = LocalKeyProvider(tmp_path / "master.key")
    data_key = provider.generate_data_key()
    document_store.put(DOC, b"scan", data_key.plaintext)
    del data_key  # the erasure drops the only wrapped copy
    for _ in range(3):
        with pytest.raises(IntegrityError):
            document_store.read_bytes(DOC, provider.generate_data_key().plaintext)
    with pytest.raises(IntegrityError):
        document_store.read_bytes(DOC, secrets.token_bytes(32))
