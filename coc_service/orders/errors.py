"""Typed refusals of the order services; each has a stable `code` the web and the API show.

Bad files are refused with coc_service.documents.errors.DocumentRejected (its `code` is one of
the `extract` contract's codes); invalid order data with
coc_service.orders.messages.OrderValidationError.
"""

from __future__ import annotations

from collections.abc import Sequence

from coc_service.errors import CocError


class OrderActionRefused(CocError):
    """The order is not in a state where this action is possible (HTTP 409)."""

    exit_code = 2
    code = "conflict"

    def __init__(self, message: str, *, message_fr: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_fr = message_fr or message


class OrderNotEditable(OrderActionRefused):
    """Documents can be added only to a draft, or to an order awaiting the customer."""

    code = "order_not_editable"


class MissingDocuments(OrderActionRefused):
    """Submission needs one current identity and one registration document; `missing` says which."""

    code = "missing_documents"

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        names_en = {"identity": "an identity document",
                    "registration": "the vehicle registration certificate"}
        names_fr = {"identity": "une pièce d'identité",
                    "registration": "le certificat d'immatriculation"}
        super().__init__(
            "Please upload " + " and ".join(names_en[k] for k in self.missing) + " first.",
            message_fr="Veuillez d'abord déposer "
            + " et ".join(names_fr[k] for k in self.missing) + ".",
        )


class IdempotencyConflict(OrderActionRefused):
    """The idempotency key was already used for a different order."""

    code = "idempotency_conflict"


class CatalogueUnavailable(OrderActionRefused):
    """The make left the catalogue between validation and creation."""

    code = "make_unavailable"


class WrongDocumentKind(CocError, ValueError):
    """The kind of document is not one this action accepts (HTTP 422)."""

    exit_code = 2
    code = "invalid_kind"
