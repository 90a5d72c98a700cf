"""Fraud signals for staff: the same VIN in another open order, the same identity document on
another customer's order. Answered by a DuplicateLookup the app provides; skipped without one."""

from __future__ import annotations

from coc_service.checks.context import CheckContext, order_evidence
from coc_service.checks.results import CheckResult, result
from coc_service.vehicles.vin import normalise_vin


def duplicate_vin(ctx: CheckContext) -> CheckResult:
    """No other open order is for the same VIN."""
    name = "duplicate_vin"
    vin = normalise_vin(ctx.order.vehicle.vin)
    evidence = [order_evidence("vehicle.vin", vin)]
    if ctx.duplicates is None:
        return result(name, "skip", "no_lookup", "Duplicates not looked up (offline run).",
                      "Doublons non recherchés (exécution hors ligne).", evidence)
    others = ctx.duplicates.other_open_orders_with_vin(vin)
    if others:
        refs = ", ".join(others)
        return result(name, "warn", "vin_in_other_order",
                      f"Another open order is for the same VIN: {refs}.",
                      f"Une autre commande en cours porte sur le même VIN : {refs}.", evidence)
    return result(name, "pass", "ok", "No other open order for this VIN.",
                  "Aucune autre commande en cours pour ce VIN.", evidence)


def duplicate_identity(ctx: CheckContext) -> CheckResult:
    """No other customer's order shows the same identity document."""
    name = "duplicate_identity"
    found = ctx.id_field("document_number")
    evidence = [ctx.doc_evidence(found, "document_number")]
    if ctx.duplicates is None:
        return result(name, "skip", "no_lookup", "Duplicates not looked up (offline run).",
                      "Doublons non recherchés (exécution hors ligne).", evidence)
    if found is None or not found[1].value:
        return result(name, "skip", "no_document_number",
                      "No identity document number to look up.",
                      "Aucun numéro de pièce d'identité à rechercher.", evidence)
    others = ctx.duplicates.other_customers_with_identity(found[1].value)
    if others:
        refs = ", ".join(others)
        return result(name, "warn", "identity_in_other_order",
                      f"The same identity document appears on another customer's order: {refs}.",
                      "La même pièce d'identité figure sur la commande d'un autre client : "
                      f"{refs}.", evidence)
    return result(name, "pass", "ok", "The identity document appears on no other customer's "
                  "order.", "La pièce d'identité ne figure sur la commande d'aucun autre client.",
                  evidence)
