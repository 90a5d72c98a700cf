"""Checks on the identity document: its MRZ, its validity at submission and whose it is."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from coc_service.checks.context import CheckContext, order_evidence
from coc_service.checks.results import CheckResult, Evidence, result

# French national identity card of 1988-2021 (decree 2013-1188): cards issued to adults from
# 2 January 2004 are valid 15 years (those issued until 31 December 2013 say 10 on their face and
# were extended by 5); cards issued to minors, or before 2004-01-02, are valid 10 years.
FRENCH_EXTENSION_FROM = date(2004, 1, 2)
FRENCH_15_YEARS_PRINTED_FROM = date(2014, 1, 1)


def french_1988_card_expiry(issued: date, birth: date | None) -> tuple[date, bool]:
    """Return (last valid day, extended) of a French 1988-2021 card issued on `issued`.

    `extended` is True when the 15-year extension makes it valid beyond the 10 years printed.
    An unknown birth date counts as a minor's card: the shorter validity, so a doubt goes to a
    person rather than through.
    """
    adult = birth is not None and birth + relativedelta(years=18) <= issued
    if adult and issued >= FRENCH_EXTENSION_FROM:
        expiry = issued + relativedelta(years=15) - timedelta(days=1)
        return expiry, issued < FRENCH_15_YEARS_PRINTED_FROM
    return issued + relativedelta(years=10) - timedelta(days=1), False


def _issue_date_of_french_card(number: str | None) -> date | None:
    """Return the first day of the issue month encoded in a 1988-2021 card number (YYMM...).

    The day is not encoded; the first of the month is the earliest it can be, hence the earliest
    expiry (a careful reading).
    """
    if not number or len(number) != 12 or not number[:4].isdigit():
        return None
    year, month = int(number[:2]), int(number[2:4])
    if not 1 <= month <= 12:
        return None
    return date(1900 + year if year >= 88 else 2000 + year, month, 1)


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def mrz_valid(ctx: CheckContext) -> CheckResult:
    """Every check digit of the identity document's machine-readable zone holds."""
    name = "mrz_valid"
    doc = ctx.identity
    if doc is None:
        return result(name, "skip", "no_identity", "No identity document to check.",
                      "Aucune pièce d'identité à vérifier.")
    index = ctx.identity_index
    if doc.mrz is None:
        return result(name, "fail", "no_mrz",
                      f"The machine-readable zone (the lines of <<<) of {doc.file} could not be "
                      "read.",
                      f"La bande de lecture optique (les lignes de <<<) de {doc.file} n'a pas pu "
                      "être lue.", [Evidence(source="document", field="mrz", value=None,
                                             document=index, file=doc.file)])
    evidence = [Evidence(source="document", field="mrz", value=" / ".join(doc.mrz.lines),
                         document=index, file=doc.file)]
    if not doc.mrz.valid:
        failed = ", ".join(doc.mrz.failed_checks) or "unknown"
        return result(name, "fail", "mrz_check_digits",
                      f"Check digits of the MRZ ({doc.mrz.format}) do not hold: {failed}.",
                      f"Des clés de contrôle de la bande MRZ ({doc.mrz.format}) sont fausses : "
                      f"{failed}.", evidence)
    return result(name, "pass", "ok", f"Every check digit of the MRZ ({doc.mrz.format}) holds.",
                  f"Toutes les clés de contrôle de la bande MRZ ({doc.mrz.format}) sont "
                  "justes.", evidence)


def id_not_expired(ctx: CheckContext) -> CheckResult:
    """The identity document is valid on the order's submission date, with the French rules
    for the 1988-2021 card."""
    name = "id_not_expired"
    doc = ctx.identity
    submitted = ctx.order.submitted_at
    evidence = [order_evidence("submitted_at", submitted.isoformat())]
    if doc is None:
        return result(name, "skip", "no_identity", "No identity document to check.",
                      "Aucune pièce d'identité à vérifier.", evidence)
    expiry_found = ctx.id_field("expiry_date")
    number_found = ctx.id_field("document_number")
    evidence += [ctx.doc_evidence(expiry_found, "expiry_date"),
                 ctx.doc_evidence(number_found, "document_number")]
    expiry = _iso(expiry_found[1].value) if expiry_found else None
    extended = False
    if _is_french_1988_card(ctx):
        issue_found = ctx.id_field("issue_date")
        birth_found = ctx.id_field("birth_date")
        issued = (_iso(issue_found[1].value) if issue_found else None) or \
            _issue_date_of_french_card(number_found[1].value if number_found else None)
        if issued is not None:
            birth = _iso(birth_found[1].value) if birth_found else None
            read_expiry = expiry
            expiry, extended = french_1988_card_expiry(issued, birth)
            # the extension is worth naming only when the 10 printed years are over
            printed_end = issued + relativedelta(years=10) - timedelta(days=1)
            extended = extended and submitted > printed_end
            # A reader that saw the day of issue ("délivrée le") may end the validity later in
            # the same month; a later end than that is not the law's, so it is not trusted.
            if read_expiry is not None and expiry <= read_expiry <= expiry + timedelta(days=31):
                expiry = read_expiry
            evidence.append(Evidence(source="document", field="computed_expiry",
                                     value=expiry.isoformat(), document=ctx.identity_index,
                                     file=doc.file))
    if expiry is None:
        return result(name, "warn", "expiry_unknown",
                      "The identity document's expiry date could not be established.",
                      "La date d'expiration de la pièce d'identité n'a pas pu être établie.",
                      evidence)
    e_en, e_fr = expiry.isoformat(), expiry.strftime("%d/%m/%Y")
    if expiry < submitted:
        return result(name, "fail", "expired",
                      f"The identity document expired on {e_en}, before the order was submitted "
                      f"({submitted.isoformat()}).",
                      f"La pièce d'identité a expiré le {e_fr}, avant la commande "
                      f"({submitted.strftime('%d/%m/%Y')}).", evidence)
    if extended:
        return result(name, "pass", "ok_extended",
                      f"Valid until {e_en} thanks to the 15-year extension of French identity "
                      "cards issued to adults from 2004 to 2013.",
                      f"Valide jusqu'au {e_fr} grâce à la prolongation à 15 ans des cartes "
                      "d'identité délivrées aux majeurs de 2004 à 2013.", evidence)
    return result(name, "pass", "ok", f"Valid until {e_en}.", f"Valide jusqu'au {e_fr}.",
                  evidence)


def _is_french_1988_card(ctx: CheckContext) -> bool:
    doc = ctx.identity
    if doc is None:
        return False
    if doc.mrz is not None:
        return doc.mrz.format == "FRA_ID_1988"
    number = ctx.id_field("document_number")
    country = ctx.id_field("issuing_country")
    return (doc.document_type == "id_card" and country is not None
            and country[1].value == "FRA" and number is not None
            and _issue_date_of_french_card(number[1].value) is not None)
