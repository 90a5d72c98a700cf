"""The catalogue: every named check in the order they run, and `run_checks`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from coc_service.checks.approval import coc_eligible
from coc_service.checks.company import siren_valid, vat_valid
from coc_service.checks.contact import contact_valid
from coc_service.checks.context import CheckContext, DuplicateLookup, as_extractions
from coc_service.checks.documents import document_types, documents_readable
from coc_service.checks.duplicates import duplicate_identity, duplicate_vin
from coc_service.checks.identity import id_not_expired, mrz_valid
from coc_service.checks.order_facts import OrderFacts, parse_order
from coc_service.checks.persons import name_match, registration_holder_match
from coc_service.checks.results import CheckResult, result
from coc_service.checks.settings import CheckSettings
from coc_service.checks.vehicle import (
    first_registration_date_match,
    make_match,
    vin_match,
    vin_valid,
)
from coc_service.documents.types import ExtractionResult

log = logging.getLogger(__name__)

Check = Callable[[CheckContext], CheckResult]

CATALOGUE: tuple[tuple[str, Check], ...] = (
    ("document_types", document_types),
    ("documents_readable", documents_readable),
    ("vin_valid", vin_valid),
    ("vin_match", vin_match),
    ("first_registration_date_match", first_registration_date_match),
    ("make_match", make_match),
    ("coc_eligible", coc_eligible),
    ("mrz_valid", mrz_valid),
    ("id_not_expired", id_not_expired),
    ("name_match", name_match),
    ("registration_holder_match", registration_holder_match),
    ("siren_valid", siren_valid),
    ("vat_valid", vat_valid),
    ("contact_valid", contact_valid),
    ("duplicate_vin", duplicate_vin),
    ("duplicate_identity", duplicate_identity),
)
CHECK_NAMES: tuple[str, ...] = tuple(name for name, _check in CATALOGUE)
# These ask the database through the DuplicateLookup: their errors (a lost connection) are the
# job's to retry, so they are not turned into a failed check.
_USES_LOOKUP = frozenset({"duplicate_vin", "duplicate_identity"})


def run_checks(
    order: OrderFacts | Mapping[str, Any],
    documents: Sequence[ExtractionResult | Mapping[str, Any]],
    settings: CheckSettings | None = None,
    duplicates: DuplicateLookup | None = None,
) -> list[CheckResult]:
    """Return the result of every check of the catalogue, in catalogue order.

    `order` is OrderFacts or an ORDER.json mapping (OrderError when invalid); `documents` are
    ExtractionResult objects or their extract JSON. A check that raises is reported as failed
    (reason "internal_error") so the order goes to a person instead of being lost.
    """
    facts = order if isinstance(order, OrderFacts) else parse_order(order)
    ctx = CheckContext(order=facts, documents=as_extractions(documents),
                       settings=settings or CheckSettings(), duplicates=duplicates)
    results = []
    for name, check in CATALOGUE:
        if name in _USES_LOOKUP:
            results.append(check(ctx))
            continue
        try:
            results.append(check(ctx))
        except Exception as exc:  # a bug must not approve an order nor lose it
            log.error("check %s raised %s", name, type(exc).__name__, exc_info=False)
            results.append(result(name, "fail", "internal_error",
                                  "The check could not be completed; a person must look.",
                                  "La vérification n'a pas pu aboutir ; une personne doit "
                                  "examiner la commande."))
    return results
