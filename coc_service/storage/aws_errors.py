"""Translation of botocore exceptions into the storage errors callers act on."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from coc_service.storage.errors import (
    IntegrityError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)

NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound", "NoSuchVersion"})
INTEGRITY_CODES = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})
# Errors of our own request, which a retry cannot fix (the rest count as the store being down).
PERMANENT_CODES = frozenset(
    {"InvalidRequest", "InvalidArgument", "EntityTooLarge", "EntityTooSmall", "InvalidPart",
     "InvalidPartOrder", "MalformedXML", "KeyTooLongError", "ValidationException",
     "InvalidBucketName"}
)


def error_code(exc: ClientError) -> str:
    """Return the AWS error code of a ClientError ('' when absent)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def map_aws_error(exc: Exception, what: str) -> StorageError:
    """Return the storage error for a botocore failure while doing `what` (no personal data)."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in NOT_FOUND_CODES:
            return ObjectNotFound(f"{what}: no such object")
        if code in INTEGRITY_CODES:
            return IntegrityError(f"{what}: the key service rejected the wrapped key ({code})")
        if code in PERMANENT_CODES:
            return StorageError(f"{what}: request refused ({code})")
        return StorageUnavailable(f"{what}: service error ({code or 'unknown'})")
    if isinstance(exc, ParamValidationError):
        return StorageError(f"{what}: invalid request parameters")
    if isinstance(exc, BotoCoreError):
        # connection refused or reset, timeouts, a stream cut mid-read, missing credentials
        return StorageUnavailable(f"{what}: cannot reach the service ({type(exc).__name__})")
    return StorageError(f"{what}: {type(exc).__name__}")
