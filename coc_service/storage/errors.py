"""Typed storage errors; callers decide on the type (retry, 404, reject), never on the text.

They extend the service-wide errors so that the web layer and the CLI map them without knowing
about storage: a missing object is a NotFound, an unreachable store a ServiceUnavailable.
Messages never carry personal data or key material.
"""

from __future__ import annotations

from coc_service.errors import CocError, NotFound, ServiceUnavailable


class StorageError(CocError):
    """Base of every storage failure."""


class ObjectNotFound(StorageError, NotFound):
    """No object is stored under the key (or its latest version is a delete marker)."""


class StorageUnavailable(StorageError, ServiceUnavailable):
    """The store or the key service cannot be reached or is overloaded; retry later."""

    retryable = True


class IntegrityError(StorageError):
    """The stored bytes do not authenticate: tampered, truncated, swapped or a wrong key."""


class InvalidObjectKey(StorageError, ValueError):
    """The object key is not a safe relative path of plain ASCII segments."""


class UnknownMasterKey(StorageError):
    """A data key was wrapped by a master key this process is not configured with."""
