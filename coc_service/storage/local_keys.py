"""The local key provider: data keys wrapped with AES-256-GCM under a master key file.

For the embedded default (`make run`) and tests; production wraps with KMS. The file holds the
base64 of 32 random bytes so an operator can copy it into a secrets manager; losing it makes
every stored document unreadable, which is also how a whole installation is crypto-shredded.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coc_service.storage.errors import IntegrityError, StorageError, UnknownMasterKey
from coc_service.storage.keys import DataKey, check_data_key, frame, unframe

_WRAP_AAD = b"coc-service data key v1\x00"


def ensure_master_key(path: Path | str) -> Path:
    """Return `path`, first creating a random master key there (mode 0600) if it is missing.

    Creation is atomic (a private temporary file hard-linked into place) so two processes
    starting together agree on one key and nobody reads a half-written file.
    """
    path = Path(path)
    if path.exists():
        return path
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        # If another process won the race, its key is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def read_master_key(path: Path | str) -> bytes:
    """Return the 32-byte master key stored (base64) in `path`."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise StorageError(f"master key file {path} does not exist") from None
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise StorageError(f"master key file {path} does not hold a base64 32-byte key")
    return key


def master_key_id(master_key: bytes) -> str:
    """Return the public id of a master key: a short fingerprint, not the key."""
    digest = hashlib.sha256(b"coc-service master key id\x00" + master_key).hexdigest()
    return "local:" + digest[:16]


class LocalKeyProvider:
    """Wraps data keys with the master key in `master_key_path`.

    `previous_master_key_paths` are older master keys still accepted by `unwrap` during a
    rotation. With `create` (the default) a missing current key file is created on first use.
    """

    def __init__(
        self,
        master_key_path: Path | str,
        *,
        previous_master_key_paths: Iterable[Path | str] = (),
        create: bool = True,
    ) -> None:
        self.master_key_path = Path(master_key_path)
        self.previous_master_key_paths = tuple(Path(p) for p in previous_master_key_paths)
        self._create = create
        self._keys: dict[str, AESGCM] | None = None
        self._current_id = ""

    def _load(self) -> dict[str, AESGCM]:
        if self._keys is None:
            if self._create:
                ensure_master_key(self.master_key_path)
            current = read_master_key(self.master_key_path)
            keys = {master_key_id(current): AESGCM(current)}
            for old_path in self.previous_master_key_paths:
                old = read_master_key(old_path)
                keys.setdefault(master_key_id(old), AESGCM(old))
            self._current_id = master_key_id(current)
            self._keys = keys
        return self._keys

    @property
    def key_id(self) -> str:
        self._load()
        return self._current_id

    def accepts(self, key_id: str) -> bool:
        return key_id in self._load()

    def generate_data_key(self) -> DataKey:
        plaintext = secrets.token_bytes(32)
        return DataKey(plaintext=plaintext, wrapped=self.wrap(plaintext), key_id=self.key_id)

    def wrap(self, plaintext: bytes) -> bytes:
        plaintext = check_data_key(plaintext)
        aead = self._load()[self._current_id]
        nonce = secrets.token_bytes(12)
        aad = _WRAP_AAD + self._current_id.encode("ascii")
        return frame(self._current_id, nonce + aead.encrypt(nonce, plaintext, aad))

    def unwrap(self, wrapped: bytes) -> bytes:
        key_id, payload = unframe(wrapped)
        aead = self._load().get(key_id)
        if aead is None:
            raise UnknownMasterKey(f"data key is wrapped by master key {key_id}, not configured")
        try:
            return aead.decrypt(payload[:12], payload[12:], _WRAP_AAD + key_id.encode("utf-8"))
        except InvalidTag:
            raise IntegrityError("wrapped data key failed authentication") from None
