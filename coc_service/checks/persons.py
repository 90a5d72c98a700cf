"""Whose documents these are: the person on the identity document against the customer, and
the registration holder (C.1) against that person or the customer's company."""

from __future__ import annotations

from coc_service.checks.context import CheckContext, order_evidence
from coc_service.checks.names import company_score, describe, person_in_holder_score, person_score
from coc_service.checks.results import CheckResult, Evidence, result


def name_match(ctx: CheckContext) -> CheckResult:
    """The person on the identity document is the customer (for a company order: its
    representative), insensitive to accents, case, hyphens, word order, extra given names and
    "épouse"/"née" forms."""
    name = "name_match"
    customer = ctx.order.customer
    typed = describe([customer.first_name, customer.last_name])
    evidence = [order_evidence("customer.first_name", customer.first_name),
                order_evidence("customer.last_name", customer.last_name)]
    if ctx.identity is None:
        return result(name, "skip", "no_identity", "No identity document to compare.",
                      "Aucune pièce d'identité à comparer.", evidence)
    surname, given, id_evidence = _id_person(ctx)
    evidence += id_evidence
    if not surname or not given:
        return result(name, "fail", "name_unreadable",
                      "The name on the identity document could not be read.",
                      "Le nom sur la pièce d'identité n'a pas pu être lu.", evidence)
    printed = describe([given, surname])
    score = person_score(customer.first_name, customer.last_name, surname, given)
    settings = ctx.settings
    whose_en = "the company's representative" if ctx.order.is_company else "the customer"
    whose_fr = "le représentant de la société" if ctx.order.is_company else "le client"
    if score >= settings.name_match_threshold:
        return result(name, "pass", "ok",
                      f"The identity document ({printed}) is {whose_en}'s ({typed}); similarity "
                      f"{score:.0f}.",
                      f"La pièce d'identité ({printed}) est celle de {whose_fr} ({typed}) ; "
                      f"similarité {score:.0f}.", evidence)
    holder, holder_evidence = _holder_text(ctx)
    if holder and person_in_holder_score(surname, given, holder) >= settings.name_match_threshold:
        return result(name, "warn", "identity_of_holder",
                      f"The identity document ({printed}) is the registration holder's, not "
                      f"{whose_en} ({typed}).",
                      f"La pièce d'identité ({printed}) est celle du titulaire du certificat, pas "
                      f"celle de {whose_fr} ({typed}).", evidence + holder_evidence)
    if score >= settings.name_warn_threshold:
        return result(name, "warn", "name_doubtful",
                      f"The identity document ({printed}) may not be {whose_en}'s ({typed}); "
                      f"similarity {score:.0f}.",
                      f"La pièce d'identité ({printed}) n'est peut-être pas celle de {whose_fr} "
                      f"({typed}) ; similarité {score:.0f}.", evidence)
    return result(name, "fail", "name_mismatch",
                  f"The identity document ({printed}) is not {whose_en}'s ({typed}).",
                  f"La pièce d'identité ({printed}) n'est pas celle de {whose_fr} ({typed}).",
                  evidence)


def registration_holder_match(ctx: CheckContext) -> CheckResult:
    """The registration holder (C.1) is the person on the identity document, or for a company
    order the company; a different holder is a warning, not a failure: people buy used cars."""
    name = "registration_holder_match"
    if ctx.registration is None:
        return result(name, "skip", "no_registration", "No registration certificate to compare.",
                      "Aucun certificat d'immatriculation à comparer.")
    holder, evidence = _holder_text(ctx)
    if not holder:
        return result(name, "warn", "holder_unreadable",
                      "The registration holder (C.1) could not be read.",
                      "Le titulaire du certificat (C.1) n'a pas pu être lu.", evidence)
    threshold = ctx.settings.name_match_threshold
    customer = ctx.order.customer
    if ctx.order.is_company and customer.company_name:
        evidence.append(order_evidence("customer.company_name", customer.company_name))
        if company_score(customer.company_name, holder) >= threshold:
            return result(name, "pass", "ok_company",
                          f"The registration is held by the company ({holder}).",
                          f"Le certificat est au nom de la société ({holder}).", evidence)
    if ctx.identity is not None:
        surname, given, id_evidence = _id_person(ctx)
        evidence += id_evidence
        who_en, who_fr = "the person on the identity document", "la personne de la pièce d'identité"
    else:
        surname, given = customer.last_name, customer.first_name
        evidence.append(order_evidence("customer.last_name", customer.last_name))
        who_en, who_fr = "the customer", "le client"
    if surname and person_in_holder_score(surname, given, holder) >= threshold:
        return result(name, "pass", "ok", f"The registration holder ({holder}) is {who_en}.",
                      f"Le titulaire du certificat ({holder}) est {who_fr}.", evidence)
    return result(name, "warn", "holder_differs",
                  f"The registration holder ({holder}) is not {who_en} "
                  f"({describe([given, surname])}).",
                  f"Le titulaire du certificat ({holder}) n'est pas {who_fr} "
                  f"({describe([given, surname])}).", evidence)


def _holder_text(ctx: CheckContext) -> tuple[str | None, list[Evidence]]:
    """Return the registration holder's name (C.1, or C.1.1 with C.1.2) and its evidence."""
    whole = ctx.reg_field("holder_name")
    if whole is not None:
        return whole[1].value, [ctx.doc_evidence(whole, "holder_name")]
    surname, given = ctx.reg_field("holder_surname"), ctx.reg_field("holder_given_names")
    if surname is None:
        return None, [ctx.doc_evidence(None, "holder_name")]
    text = describe([surname[1].value, given[1].value if given else None])
    return text, [ctx.doc_evidence(surname, "holder_surname"),
                  ctx.doc_evidence(given, "holder_given_names")]


def _id_person(ctx: CheckContext) -> tuple[str | None, str | None, list[Evidence]]:
    surname, given = ctx.id_field("surname"), ctx.id_field("given_names")
    usage = ctx.id_field("usage_name")
    surname_text = surname[1].value if surname else None
    if usage and surname_text:  # the use name ("épouse ...") is one of the person's surnames
        surname_text = f"{surname_text} EPOUSE {usage[1].value}"
    evidence = [ctx.doc_evidence(surname, "surname"), ctx.doc_evidence(given, "given_names")]
    if usage:
        evidence.append(ctx.doc_evidence(usage, "usage_name"))
    return surname_text, given[1].value if given else None, evidence
