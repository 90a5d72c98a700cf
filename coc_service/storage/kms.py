"""The AWS KMS key provider: data keys from `GenerateDataKey`, opened with `Decrypt`.

The plaintext master key never leaves KMS; access to it (and its deletion, which shreds every
document at once) is governed by KMS policies and logged by CloudTrail.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from coc_service.storage.aws_errors import map_aws_error
from coc_service.storage.errors import StorageError
from coc_service.storage.keys import DataKey, check_data_key, frame, unframe

_PREFIX = "kms:"
# Bound into every wrapping; KMS refuses to decrypt without the same context, and CloudTrail
# shows it, so a data key of ours cannot be passed off as something else.
ENCRYPTION_CONTEXT = {"purpose": "coc-service document data key"}


class KmsKeyProvider:
    """Wraps data keys with the KMS key `key_id` (key id, ARN, alias name or alias ARN)."""

    def __init__(self, client: Any, key_id: str) -> None:
        if not key_id:
            raise ValueError("a KMS key id is required")
        self.client = client
        self.configured_key_id = key_id
        self._arn = ""

    @property
    def key_id(self) -> str:
        # The key ARN, not an alias: the id stays true when an alias is moved to another key.
        if not self._arn:
            try:
                response = self.client.describe_key(KeyId=self.configured_key_id)
            except (ClientError, BotoCoreError) as exc:
                raise map_aws_error(exc, "KMS describe key") from None
            self._arn = str(response["KeyMetadata"]["Arn"])
        return _PREFIX + self._arn

    def accepts(self, key_id: str) -> bool:
        # KMS can open blobs of any key these credentials may use, not only the current one.
        return key_id.startswith(_PREFIX)

    def generate_data_key(self) -> DataKey:
        try:
            response = self.client.generate_data_key(
                KeyId=self.configured_key_id,
                KeySpec="AES_256",
                EncryptionContext=ENCRYPTION_CONTEXT,
            )
        except (ClientError, BotoCoreError) as exc:
            raise map_aws_error(exc, "KMS generate data key") from None
        self._arn = str(response["KeyId"])
        key_id = _PREFIX + self._arn
        plaintext = check_data_key(response["Plaintext"])
        return DataKey(plaintext, frame(key_id, response["CiphertextBlob"]), key_id)

    def wrap(self, plaintext: bytes) -> bytes:
        try:
            response = self.client.encrypt(
                KeyId=self.configured_key_id,
                Plaintext=check_data_key(plaintext),
                EncryptionContext=ENCRYPTION_CONTEXT,
            )
        except (ClientError, BotoCoreError) as exc:
            raise map_aws_error(exc, "KMS encrypt") from None
        self._arn = str(response["KeyId"])
        return frame(_PREFIX + self._arn, response["CiphertextBlob"])

    def unwrap(self, wrapped: bytes) -> bytes:
        key_id, blob = unframe(wrapped)
        if not self.accepts(key_id):
            raise StorageError(f"data key is wrapped by {key_id}, not by KMS")
        try:
            response = self.client.decrypt(
                CiphertextBlob=blob,
                KeyId=key_id[len(_PREFIX) :],
                EncryptionContext=ENCRYPTION_CONTEXT,
            )
        except (ClientError, BotoCoreError) as exc:
            raise map_aws_error(exc, "KMS decrypt") from None
        return check_data_key(response["Plaintext"])
