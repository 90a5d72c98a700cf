"""Document store in a local folder (the embedded default), same encrypted format as S3.

Writes are atomic (a private temporary file renamed into place), folders are 0700 and files
0600. Temporary files start with a dot, which no valid object key segment does, so they never
collide with objects nor show in listings.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from coc_service.storage.base import DocumentStore, StoredObject, validate_key, validate_prefix
from coc_service.storage.crypto import DEFAULT_CHUNK_SIZE, DecryptingReader, ObjectEncryptor, Source
from coc_service.storage.errors import ObjectNotFound, StorageUnavailable


def _unavailable(what: str, exc: OSError) -> StorageUnavailable:
    # The path is left out of the message: only the failing operation and the errno name.
    name = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    return StorageUnavailable(f"local store: {what} failed ({name})")


class LocalDocumentStore(DocumentStore):
    """Encrypted objects as files under `root`; `fsync` makes each put durable before it returns."""

    def __init__(
        self, root: Path | str, *, chunk_size: int = DEFAULT_CHUNK_SIZE, fsync: bool = True,
        batch_chunks: int = 4,
    ) -> None:
        self.root = Path(root)
        self.chunk_size = chunk_size
        self.fsync = fsync
        # chunks sealed per write; a put holds three buffers of that many chunks
        self.batch_chunks = batch_chunks

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def _make_dirs(self, folder: Path) -> None:
        # os.makedirs applies its mode to the last folder only; every level must be private.
        if not self.root.is_dir():
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        missing = []
        current = folder
        while current != self.root and not current.is_dir():
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            with suppress(FileExistsError):
                path.mkdir(mode=0o700)

    def put(
        self, key: str, stream: Source, data_key: bytes, *, content_type: str | None = None
    ) -> StoredObject:
        path = self._path(key)
        encryptor = ObjectEncryptor(data_key, key, chunk_size=self.chunk_size)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = -1
        for _ in range(3):  # a concurrent delete may prune the folder between mkdir and open
            try:
                self._make_dirs(path.parent)
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                break
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise _unavailable("create", exc) from None
        if fd < 0:
            raise StorageUnavailable("local store: folder kept disappearing during put")
        try:
            # unbuffered: each batch of sealed chunks is one write, straight from its buffer
            with os.fdopen(fd, "wb", buffering=0) as handle:
                for piece in encryptor.batches(stream, batch_chunks=self.batch_chunks):
                    try:
                        while piece:
                            piece = piece[handle.write(piece) :]
                    except OSError as exc:
                        raise _unavailable("write", exc) from None
                try:
                    if self.fsync:
                        os.fsync(handle.fileno())
                except OSError as exc:
                    raise _unavailable("write", exc) from None
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        if self.fsync:
            self._fsync_dir(path.parent)
        return StoredObject(
            key, encryptor.size_plain, encryptor.size_stored, encryptor.sha256_plain
        )

    @staticmethod
    def _fsync_dir(folder: Path) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextmanager
    def open(self, key: str, data_key: bytes) -> Iterator[IO[bytes]]:
        path = self._path(key)
        try:
            raw = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"no object under {key}") from None
        except OSError as exc:
            raise _unavailable("open", exc) from None
        with raw:
            yield io.BufferedReader(DecryptingReader(raw, data_key, key))

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise _unavailable("delete", exc) from None
        self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        validate_prefix(prefix, folder=True)
        folder = self.root.joinpath(*prefix.rstrip("/").split("/"))
        if not folder.is_dir():
            return 0
        count = sum(1 for _ in self._walk(folder))
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise _unavailable("delete", exc) from None
        self._prune(folder.parent)
        return count

    def _prune(self, folder: Path) -> None:
        # Empty folders are removed so that erased orders leave no trace of their ids behind.
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return  # not empty (or already gone): stop there
            folder = folder.parent

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _walk(self, folder: Path) -> Iterator[str]:
        for current, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            base = Path(current).relative_to(self.root)
            for name in files:
                if not name.startswith("."):
                    yield (base / name).as_posix()

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        validate_prefix(prefix)
        # Walk only the deepest folder the prefix fully names.
        folder = self.root.joinpath(*prefix.split("/")[:-1]) if "/" in prefix else self.root
        if not folder.is_dir():
            return iter(())
        return iter(sorted(k for k in self._walk(folder) if k.startswith(prefix)))

    def check(self) -> None:
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise _unavailable("check", exc) from None
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable("local store: root folder is not writable")
