"""The local folder store: private modes, atomic writes, safe paths, no traces after erasure."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from coc_service.storage.errors import StorageUnavailable
from coc_service.storage.factory import store_from_settings
from coc_service.storage.local import LocalDocumentStore

KEY = "orders/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f/documents/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_folders_0700_files_0600(tmp_path: Path, data_key: bytes) -> None:
    old_umask = os.umask(0o022)  # a permissive umask must not widen what we create
    try:
        store = LocalDocumentStore(tmp_path / "storage")
        store.put(KEY, b"scan", data_key)
    finally:
        os.umask(old_umask)
    path = store.root / KEY
    assert _mode(path) == 0o600
    folder = path.parent
    while folder != tmp_path:
        assert _mode(folder) == 0o700, folder
        folder = folder.parent


class BrokenSource(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        raise ConnectionResetError("client went away")


def test_failed_put_leaves_the_old_object_and_no_temporary(tmp_path: Path, data_key: bytes) -> None:
    store = LocalDocumentStore(tmp_path / "storage")
    store.put(KEY, b"previous", data_key)
    with pytest.raises(ConnectionResetError):
        store.put(KEY, io.BufferedReader(BrokenSource()), data_key)
    assert store.read_bytes(KEY, data_key) == b"previous"
    assert [p.name for p in (store.root / KEY).parent.iterdir()] == [Path(KEY).name]


def test_keys_stay_inside_the_root(tmp_path: Path, data_key: bytes) -> None:
    store = LocalDocumentStore(tmp_path / "storage")
    store.put("orders/a/documents/b", b"x", data_key)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == [tmp_path / "storage" / "orders" / "a" / "documents" / "b"]


def test_erasure_leaves_no_empty_folders(tmp_path: Path, data_key: bytes) -> None:
    store = LocalDocumentStore(tmp_path / "storage")
    store.put(KEY, b"x", data_key)
    store.put("orders/other/documents/kept", b"y", data_key)
    store.delete(KEY)
    assert not (store.root / KEY.split("/documents/")[0]).exists()  # no order id left behind
    assert store.delete_prefix("orders/other/") == 1
    assert list(store.root.iterdir()) == []


def test_temporary_files_are_not_listed(tmp_path: Path, data_key: bytes) -> None:
    store = LocalDocumentStore(tmp_path / "storage")
    store.put(KEY, b"x", data_key)
    (store.root / KEY).with_name(".half-written.tmp").write_bytes(b"")
    assert list(store.list_keys()) == [KEY]


def test_check_reports_an_unusable_root(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(StorageUnavailable):
        LocalDocumentStore(blocker / "storage").check()
    fresh = LocalDocumentStore(tmp_path / "fresh")
    fresh.check()
    assert _mode(fresh.root) == 0o700


def test_factory_builds_the_local_store(tmp_path: Path) -> None:
    store = store_from_settings("local", local_root=tmp_path / "s")
    assert isinstance(store, LocalDocumentStore) and store.root == tmp_path / "s"
    with pytest.raises(ValueError):
        store_from_settings("ftp", local_root=tmp_path)
