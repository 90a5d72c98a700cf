"""Typed failures of forwarding an order to its supplier and of the supplier portal.

Forwarding failures are permanent (retrying changes nothing until a person acts): they are
recorded on the order for staff. Storage, key service or database outages are not here: they
raise coc_service.errors.ServiceUnavailable and the job is retried. A certificate the portal
refuses raises coc_service.documents.errors.DocumentRejected, like any other upload.
"""

from __future__ import annotations

from coc_service.errors import CocError
from coc_service.orders.errors import OrderActionRefused


class ForwardingFailed(CocError):
    """The order cannot be bundled for its supplier; `code` says why, the message for staff."""

    exit_code = 2
    code = "forwarding_failed"


class NoSupplier(ForwardingFailed):
    """No active supplier serves the order's make (the catalogue lost it)."""

    code = "no_supplier"


class BundleIncomplete(ForwardingFailed):
    """A scan the bundle needs is missing, erased, or not where its row says."""

    code = "bundle_incomplete"


class BundleIntegrityError(ForwardingFailed):
    """A decrypted scan does not match the SHA-256 recorded when it was uploaded."""

    code = "bundle_integrity"


class CertificateAlreadyReceived(OrderActionRefused):
    """The order already has its certificate; a second one is refused (HTTP 409)."""

    code = "certificate_already_received"
