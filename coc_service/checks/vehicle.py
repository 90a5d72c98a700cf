"""Checks on the vehicle: the ordered VIN, first-registration date and make against the
registration certificate (fields E, B and D.1) and against what the VIN's WMI stands for."""

from __future__ import annotations

from datetime import date

from rapidfuzz.distance import OSA

from coc_service.checks.context import CheckContext, order_evidence
from coc_service.checks.results import CheckResult, result
from coc_service.vehicles.makes import are_siblings, canonical_make, same_group
from coc_service.vehicles.vin import (
    VIN_ALPHABET,
    is_north_american,
    normalise_vin,
    vin_check_digit,
    vin_check_digit_ok,
    vin_format_ok,
    wmi,
)
from coc_service.vehicles.wmi import known_wmi, makes_for_wmi


def vin_valid(ctx: CheckContext) -> CheckResult:
    """The ordered VIN is 17 characters of the VIN alphabet with a known WMI; the check digit is
    required for North-American VINs only (49 CFR 565), unless configured everywhere."""
    name = "vin_valid"
    vin = normalise_vin(ctx.order.vehicle.vin)
    evidence = [order_evidence("vehicle.vin", vin)]
    if not vin_format_ok(vin):
        wrong = sorted({c for c in vin if c not in VIN_ALPHABET})
        what_en = f"{len(vin)} characters" if len(vin) != 17 else f"characters {' '.join(wrong)}"
        what_fr = f"{len(vin)} caractères" if len(vin) != 17 else f"caractères {' '.join(wrong)}"
        return result(name, "fail", "vin_format",
                      f"The ordered VIN {vin} is not a VIN: 17 characters (digits and letters "
                      f"except I, O, Q) are expected, it has {what_en}.",
                      f"Le VIN commandé {vin} n'est pas un VIN : 17 caractères (chiffres et "
                      f"lettres sauf I, O, Q) sont attendus, il a {what_fr}.", evidence)
    needs_digit = is_north_american(vin) or ctx.settings.check_digit_everywhere
    if needs_digit and not vin_check_digit_ok(vin):
        expected = vin_check_digit(vin)
        return result(name, "fail", "vin_check_digit",
                      f"The check digit of VIN {vin} (9th character {vin[8]}) should be "
                      f"{expected}: one character is probably wrong.",
                      f"La clé du VIN {vin} (9e caractère {vin[8]}) devrait être {expected} : un "
                      "caractère est probablement erroné.", evidence)
    if not known_wmi(vin):
        return result(name, "warn", "unknown_wmi",
                      f"VIN {vin} is well-formed but its manufacturer code {wmi(vin)} is not in "
                      "our table.",
                      f"Le VIN {vin} est bien formé mais son code constructeur {wmi(vin)} ne "
                      "figure pas dans notre table.", evidence)
    return result(name, "pass", "ok", f"VIN {vin} is well-formed.",
                  f"Le VIN {vin} est bien formé.", evidence)


def _marked(vin: str, other: str) -> str:
    """Return `vin` with the characters that differ from `other` in brackets."""
    if len(vin) != len(other):
        return vin
    return "".join(f"[{a}]" if a != b else a for a, b in zip(vin, other, strict=True))


def vin_match(ctx: CheckContext) -> CheckResult:
    """The ordered VIN equals the registration's E after normalisation; one character apart (or
    two neighbours swapped) is a fail that says it is probably a typo."""
    name = "vin_match"
    ordered = normalise_vin(ctx.order.vehicle.vin)
    if ctx.registration is None:
        return result(name, "skip", "no_registration", "No registration certificate to compare.",
                      "Aucun certificat d'immatriculation à comparer.",
                      [order_evidence("vehicle.vin", ordered)])
    found = ctx.reg_field("vin")
    evidence = [order_evidence("vehicle.vin", ordered), ctx.doc_evidence(found, "vin")]
    if found is None:
        return result(name, "fail", "vin_unreadable",
                      "The VIN (field E) could not be read on the registration certificate.",
                      "Le VIN (champ E) n'a pas pu être lu sur le certificat d'immatriculation.",
                      evidence)
    printed = normalise_vin(found[1].value or "")
    if printed == ordered:
        return result(name, "pass", "ok", f"The ordered VIN matches the registration ({printed}).",
                      f"Le VIN commandé correspond au certificat ({printed}).", evidence)
    if OSA.distance(ordered, printed) == 1:
        return result(name, "fail", "vin_typo",
                      f"The ordered VIN {_marked(ordered, printed)} differs from the "
                      f"registration's {_marked(printed, ordered)} by one character: probably a "
                      "typo.",
                      f"Le VIN commandé {_marked(ordered, printed)} diffère d'un caractère de "
                      f"celui du certificat {_marked(printed, ordered)} : probablement une faute "
                      "de frappe.", evidence)
    return result(name, "fail", "vin_mismatch",
                  f"The ordered VIN {ordered} is not the registration's VIN {printed}.",
                  f"Le VIN commandé {ordered} n'est pas celui du certificat ({printed}).", evidence)


def first_registration_date_match(ctx: CheckContext) -> CheckResult:
    """The declared first-registration date equals the registration's B."""
    name = "first_registration_date_match"
    declared = ctx.order.vehicle.first_registration_date
    evidence = [order_evidence("vehicle.first_registration_date", declared.isoformat())]
    if ctx.registration is None:
        return result(name, "skip", "no_registration", "No registration certificate to compare.",
                      "Aucun certificat d'immatriculation à comparer.", evidence)
    found = ctx.reg_field("first_registration_date")
    evidence.append(ctx.doc_evidence(found, "first_registration_date"))
    printed = _iso_date(found[1].value) if found else None
    if printed is None:
        return result(name, "fail", "date_unreadable",
                      "The first-registration date (field B) could not be read on the "
                      "registration certificate.",
                      "La date de première immatriculation (champ B) n'a pas pu être lue sur le "
                      "certificat d'immatriculation.", evidence)
    d_en, d_fr = declared.isoformat(), declared.strftime("%d/%m/%Y")
    p_en, p_fr = printed.isoformat(), printed.strftime("%d/%m/%Y")
    if printed == declared:
        return result(name, "pass", "ok", f"First registration on {p_en} as declared.",
                      f"Première immatriculation le {p_fr}, comme déclaré.", evidence)
    if declared.day <= 12 and _swapped(declared) == printed:
        return result(name, "fail", "date_swapped",
                      f"The declared first-registration date {d_en} has day and month swapped: "
                      f"the registration says {p_en}.",
                      f"La date de première immatriculation déclarée ({d_fr}) inverse le jour et "
                      f"le mois : le certificat indique {p_fr}.", evidence)
    return result(name, "fail", "date_mismatch",
                  f"The declared first-registration date {d_en} differs from the registration's "
                  f"{p_en}.",
                  f"La date de première immatriculation déclarée ({d_fr}) diffère de celle du "
                  f"certificat ({p_fr}).", evidence)


def make_match(ctx: CheckContext) -> CheckResult:
    """The ordered make, D.1 and the make the VIN's WMI stands for agree (canonical names and
    aliases; a brand may show its parent in D.1; brands of one group may share a WMI)."""
    name = "make_match"
    cutoff = ctx.settings.make_fuzzy_cutoff
    ordered = canonical_make(ctx.order.vehicle.make, fuzzy_cutoff=cutoff)
    evidence = [order_evidence("vehicle.make", ctx.order.vehicle.make)]
    if ordered is None:
        return result(name, "fail", "unknown_make",
                      f"The ordered make {ctx.order.vehicle.make!r} is not a make we know.",
                      f"La marque commandée {ctx.order.vehicle.make!r} ne nous est pas connue.",
                      evidence)
    if ctx.registration is None:
        return result(name, "skip", "no_registration", "No registration certificate to compare.",
                      "Aucun certificat d'immatriculation à comparer.", evidence)
    d1_found = ctx.reg_field("make")
    vin_found = ctx.reg_field("vin")
    evidence += [ctx.doc_evidence(d1_found, "make"), ctx.doc_evidence(vin_found, "vin")]
    d1 = canonical_make(d1_found[1].value, fuzzy_cutoff=cutoff) if d1_found else None
    vin = normalise_vin((vin_found[1].value if vin_found else None) or ctx.order.vehicle.vin)
    wmi_makes = makes_for_wmi(vin)
    if d1_found and d1 is None:
        return result(name, "warn", "d1_unknown",
                      f"The make on the registration (D.1 {d1_found[1].value!r}) is not one we "
                      f"know; ordered: {ordered}.",
                      f"La marque du certificat (D.1 {d1_found[1].value!r}) ne nous est pas "
                      f"connue ; commandée : {ordered}.", evidence)
    if d1 is not None and not are_siblings(ordered, d1):
        return result(name, "fail", "make_mismatch",
                      f"The ordered make {ordered} is not the registration's make {d1} (D.1).",
                      f"La marque commandée ({ordered}) n'est pas celle du certificat ({d1}, "
                      "D.1).", evidence)
    if wmi_makes and ordered not in wmi_makes and not any(same_group(ordered, m)
                                                         for m in wmi_makes):
        stands = ", ".join(sorted(wmi_makes))
        return result(name, "fail", "wmi_mismatch",
                      f"The VIN's manufacturer code {wmi(vin)} stands for {stands}, not for the "
                      f"ordered make {ordered}.",
                      f"Le code constructeur du VIN ({wmi(vin)}) correspond à {stands}, pas à la "
                      f"marque commandée ({ordered}).", evidence)
    if d1 is None:
        return result(name, "warn", "d1_unreadable",
                      f"The make (D.1) could not be read on the registration; the VIN's "
                      f"manufacturer code agrees with {ordered}." if wmi_makes else
                      "Neither the make (D.1) nor the VIN's manufacturer code confirm the "
                      f"ordered make {ordered}.",
                      "La marque (D.1) n'a pas pu être lue sur le certificat ; le code "
                      f"constructeur du VIN concorde avec {ordered}." if wmi_makes else
                      "Ni la marque (D.1) ni le code constructeur du VIN ne confirment la marque "
                      f"commandée ({ordered}).", evidence)
    notes_en, notes_fr = [], []
    if d1 != ordered:
        notes_en.append(f"the registration shows {d1}, under which {ordered} is registered")
        notes_fr.append(f"le certificat indique {d1}, sous lequel {ordered} est immatriculée")
    if not wmi_makes:
        notes_en.append(f"manufacturer code {wmi(vin)} is not in our table")
        notes_fr.append(f"le code constructeur {wmi(vin)} ne figure pas dans notre table")
    elif ordered not in wmi_makes:
        notes_en.append(f"code {wmi(vin)} is shared within the {ordered} group")
        notes_fr.append(f"le code {wmi(vin)} est partagé au sein du groupe de {ordered}")
    tail_en = f" ({'; '.join(notes_en)})" if notes_en else ""
    tail_fr = f" ({' ; '.join(notes_fr)})" if notes_fr else ""
    return result(name, "pass", "ok", f"Make {ordered} confirmed by the registration{tail_en}.",
                  f"Marque {ordered} confirmée par le certificat{tail_fr}.", evidence)


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _swapped(day: date) -> date | None:
    try:
        return date(day.year, day.day, day.month)
    except ValueError:
        return None
