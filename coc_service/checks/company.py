"""Checks on a company order's identifiers: SIREN and VAT number (python-stdnum)."""

from __future__ import annotations

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva

from coc_service.checks.context import CheckContext, order_evidence
from coc_service.checks.results import CheckResult, result


def _siren_of(text: str) -> str | None:
    """Return the valid SIREN in `text` (a SIREN, or a SIRET whose first 9 digits it is)."""
    compact = fr_siret.compact(text)
    if len(compact) == 14 and fr_siret.is_valid(compact):
        return compact[:9]
    return compact if fr_siren.is_valid(compact) else None


def siren_valid(ctx: CheckContext) -> CheckResult:
    """A company order's SIREN is 9 digits with a valid Luhn check digit (a SIRET is accepted)."""
    name = "siren_valid"
    customer = ctx.order.customer
    evidence = [order_evidence("customer.siren", customer.siren)]
    if not customer.siren:
        if not ctx.order.is_company:
            return result(name, "skip", "private_customer", "Private customer: no SIREN.",
                          "Client particulier : pas de SIREN.", evidence)
        vat = (customer.vat_number or "").strip().upper()
        if vat and eu_vat.is_valid(vat):
            vat = eu_vat.compact(vat)
            if not vat.startswith("FR"):
                return result(name, "skip", "foreign_company",
                              "Company registered outside France (VAT number given): no SIREN.",
                              "Société immatriculée hors de France (n° de TVA fourni) : pas de "
                              "SIREN.", evidence)
            if fr_siren.is_valid(vat[4:]):
                held = fr_siren.format(vat[4:])
                return result(name, "pass", "ok_from_vat",
                              f"No SIREN given; the French VAT number holds SIREN {held}.",
                              f"SIREN non indiqué ; le numéro de TVA contient le SIREN {held}.",
                              evidence)
        return result(name, "fail", "siren_missing", "A company order needs a SIREN.",
                      "Une commande de société doit indiquer un numéro SIREN.", evidence)
    siren = _siren_of(customer.siren)
    if siren is None:
        return result(name, "fail", "siren_invalid",
                      f"The SIREN {customer.siren} is not valid (9 digits with a check digit).",
                      f"Le SIREN {customer.siren} n'est pas valide (9 chiffres avec une clé de "
                      "contrôle).", evidence)
    return result(name, "pass", "ok", f"SIREN {fr_siren.format(siren)} is valid.",
                  f"Le SIREN {fr_siren.format(siren)} est valide.", evidence)


def vat_valid(ctx: CheckContext) -> CheckResult:
    """The VAT number is a valid EU VAT number; a French one's key matches the SIREN
    (key = (12 + 3 × (SIREN mod 97)) mod 97)."""
    name = "vat_valid"
    customer = ctx.order.customer
    evidence = [order_evidence("customer.vat_number", customer.vat_number),
                order_evidence("customer.siren", customer.siren)]
    if not customer.vat_number:
        return result(name, "skip", "no_vat", "No VAT number given.",
                      "Aucun numéro de TVA fourni.", evidence)
    try:
        vat = eu_vat.validate(customer.vat_number)
    except ValidationError:
        return result(name, "fail", "vat_invalid",
                      f"The VAT number {customer.vat_number} is not a valid EU VAT number.",
                      f"Le numéro de TVA {customer.vat_number} n'est pas un numéro de TVA "
                      "intracommunautaire valide.", evidence)
    if not vat.startswith("FR"):
        return result(name, "pass", "ok_foreign", f"VAT number {vat} is valid.",
                      f"Le numéro de TVA {vat} est valide.", evidence)
    siren = _siren_of(customer.siren or "")
    if not fr_tva.is_valid(vat):  # eu.vat accepts it, so this only guards a stdnum change
        return result(name, "fail", "vat_invalid", f"The VAT number {vat} is not valid.",
                      f"Le numéro de TVA {vat} n'est pas valide.", evidence)
    vat_siren = vat[4:]
    if siren is not None and vat_siren != siren:
        return result(name, "fail", "vat_siren_mismatch",
                      f"The VAT number {vat} belongs to SIREN {vat_siren}, not to the SIREN "
                      f"given ({siren}).",
                      f"Le numéro de TVA {vat} correspond au SIREN {vat_siren}, pas au SIREN "
                      f"indiqué ({siren}).", evidence)
    if siren is None and fr_siren.is_valid(vat_siren):
        return result(name, "pass", "ok", f"VAT number {vat} is valid (SIREN {vat_siren}).",
                      f"Le numéro de TVA {vat} est valide (SIREN {vat_siren}).", evidence)
    return result(name, "pass", "ok", f"VAT number {vat} is valid and matches the SIREN.",
                  f"Le numéro de TVA {vat} est valide et correspond au SIREN.", evidence)
