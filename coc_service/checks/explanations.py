"""Plain-language explanations for the customer (French and English) of the checks that stopped
an order, for the web shop to show beside a "correct" or "upload again" button.

Only problems the customer can act on are explained; fraud signals and staff-only doubts
(duplicates, unknown manufacturer codes, ...) have no customer text on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from coc_service.checks.results import CheckResult

_UPLOAD_AGAIN_FR = "Merci d'envoyer une nouvelle photo, nette, entière et sans reflet."
_UPLOAD_AGAIN_EN = "Please send a new photo: sharp, whole and without glare."


@dataclass(frozen=True)
class Explanation:
    """What to tell the customer, and whether a new upload (rather than a correction of the
    order form) is what fixes it."""

    fr: str
    en: str
    upload_again: bool = False


_TEXTS: dict[tuple[str, str], Explanation] = {
    ("document_types", "no_documents"): Explanation(
        "Nous n'avons reçu aucun document : envoyez votre pièce d'identité et votre certificat "
        "d'immatriculation.",
        "We received no document: please send your identity document and your registration "
        "certificate.", True),
    ("document_types", "registration_as_identity"): Explanation(
        "Vous avez envoyé votre certificat d'immatriculation à la place de votre pièce "
        "d'identité. Envoyez votre carte d'identité ou votre passeport.",
        "You sent your registration certificate in place of your identity document. Please "
        "send your ID card or passport.", True),
    ("document_types", "identity_as_registration"): Explanation(
        "Vous avez envoyé votre pièce d'identité à la place du certificat d'immatriculation "
        "(carte grise). Envoyez votre certificat d'immatriculation.",
        "You sent your identity document in place of the registration certificate. Please send "
        "your registration certificate.", True),
    ("document_types", "identity_missing"): Explanation(
        "Nous n'avons pas reconnu de pièce d'identité. Envoyez votre carte d'identité ou votre "
        "passeport (la face avec les lignes <<<).",
        "We did not recognise an identity document. Please send your ID card or passport (the "
        "side with the <<< lines).", True),
    ("document_types", "registration_missing"): Explanation(
        "Nous n'avons pas reconnu de certificat d'immatriculation (carte grise). Envoyez-le en "
        "entier.",
        "We did not recognise a registration certificate. Please send the whole certificate.",
        True),
    ("document_types", "two_vehicles"): Explanation(
        "Les certificats d'immatriculation envoyés concernent des véhicules différents. "
        "Envoyez uniquement celui du véhicule commandé.",
        "The registration certificates you sent are for different vehicles. Please send only "
        "the one of the ordered vehicle.", True),
    ("documents_readable", "unreadable"): Explanation(
        "Un de vos documents n'a pas pu être lu. " + _UPLOAD_AGAIN_FR,
        "One of your documents could not be read. " + _UPLOAD_AGAIN_EN, True),
    ("vin_valid", "vin_format"): Explanation(
        "Le numéro VIN saisi n'a pas le bon format : il compte 17 caractères (sans I, O ni Q) "
        "et figure au champ E de votre certificat d'immatriculation.",
        "The VIN you entered is not well-formed: it has 17 characters (no I, O or Q) and is in "
        "field E of your registration certificate."),
    ("vin_valid", "vin_check_digit"): Explanation(
        "Le numéro VIN saisi contient probablement une erreur : vérifiez-le au champ E de votre "
        "certificat d'immatriculation.",
        "The VIN you entered probably contains a mistake: please check it against field E of "
        "your registration certificate."),
    ("vin_match", "vin_unreadable"): Explanation(
        "Nous n'avons pas pu lire le numéro VIN (champ E) sur votre certificat "
        "d'immatriculation. " + _UPLOAD_AGAIN_FR,
        "We could not read the VIN (field E) on your registration certificate. "
        + _UPLOAD_AGAIN_EN, True),
    ("vin_match", "vin_typo"): Explanation(
        "Le VIN saisi diffère d'un caractère de celui de votre certificat d'immatriculation "
        "(champ E). Vérifiez-le et corrigez votre commande.",
        "The VIN you entered differs by one character from the one on your registration "
        "certificate (field E). Please check it and correct your order."),
    ("vin_match", "vin_mismatch"): Explanation(
        "Le VIN saisi n'est pas celui de votre certificat d'immatriculation (champ E). "
        "Vérifiez que vous avez envoyé le certificat du véhicule commandé.",
        "The VIN you entered is not the one on your registration certificate (field E). Please "
        "check that you sent the certificate of the ordered vehicle."),
    ("first_registration_date_match", "date_unreadable"): Explanation(
        "Nous n'avons pas pu lire la date de première immatriculation (champ B) sur votre "
        "certificat. " + _UPLOAD_AGAIN_FR,
        "We could not read the first-registration date (field B) on your certificate. "
        + _UPLOAD_AGAIN_EN, True),
    ("first_registration_date_match", "date_swapped"): Explanation(
        "La date de première immatriculation saisie semble inverser le jour et le mois. "
        "Corrigez-la d'après le champ B de votre certificat.",
        "The first-registration date you entered seems to swap day and month. Please correct "
        "it from field B of your certificate."),
    ("first_registration_date_match", "date_mismatch"): Explanation(
        "La date de première immatriculation saisie diffère de celle du champ B de votre "
        "certificat d'immatriculation. Corrigez-la.",
        "The first-registration date you entered differs from field B of your registration "
        "certificate. Please correct it."),
    ("make_match", "unknown_make"): Explanation(
        "Nous ne reconnaissons pas la marque saisie. Choisissez-la dans la liste.",
        "We do not recognise the make you entered. Please choose it from the list."),
    ("make_match", "make_mismatch"): Explanation(
        "La marque commandée n'est pas celle de votre certificat d'immatriculation (champ D.1). "
        "Corrigez votre commande.",
        "The ordered make is not the one on your registration certificate (field D.1). Please "
        "correct your order."),
    ("make_match", "wmi_mismatch"): Explanation(
        "Le numéro VIN ne correspond pas à la marque commandée. Vérifiez la marque et le VIN.",
        "The VIN does not belong to the ordered make. Please check the make and the VIN."),
    ("make_match", "d1_unreadable"): Explanation(
        "Nous n'avons pas pu lire la marque (champ D.1) sur votre certificat. "
        + _UPLOAD_AGAIN_FR,
        "We could not read the make (field D.1) on your certificate. " + _UPLOAD_AGAIN_EN, True),
    ("coc_eligible", "make_not_served"): Explanation(
        "Nous ne proposons pas encore de certificat de conformité pour cette marque.",
        "We do not offer certificates of conformity for this make yet."),
    ("coc_eligible", "no_type_approval"): Explanation(
        "Votre certificat ne montre pas de numéro de réception CE (champ K). Un véhicule "
        "réceptionné à titre isolé ne peut pas obtenir de certificat de conformité ; notre "
        "équipe va vérifier votre dossier.",
        "Your certificate shows no EU type-approval number (field K). A vehicle approved "
        "individually cannot get a certificate of conformity; our team will check your order."),
    ("coc_eligible", "not_eu_approval"): Explanation(
        "Le champ K de votre certificat n'est pas une réception CE par type : notre équipe va "
        "vérifier si un certificat de conformité peut être délivré.",
        "Field K of your certificate is not an EU type approval: our team will check whether a "
        "certificate of conformity can be issued."),
    ("mrz_valid", "no_mrz"): Explanation(
        "Nous n'avons pas pu lire les lignes de caractères <<< de votre pièce d'identité. "
        "Envoyez la face qui les porte, en entier. " + _UPLOAD_AGAIN_FR,
        "We could not read the <<< lines of your identity document. Please send the side that "
        "carries them, whole. " + _UPLOAD_AGAIN_EN, True),
    ("mrz_valid", "mrz_check_digits"): Explanation(
        "Les lignes <<< de votre pièce d'identité n'ont pas pu être lues correctement. "
        + _UPLOAD_AGAIN_FR,
        "The <<< lines of your identity document could not be read correctly. "
        + _UPLOAD_AGAIN_EN, True),
    ("id_not_expired", "expired"): Explanation(
        "Votre pièce d'identité était expirée à la date de la commande. Envoyez une pièce "
        "d'identité en cours de validité.",
        "Your identity document had expired on the day of the order. Please send a valid "
        "identity document.", True),
    ("id_not_expired", "expiry_unknown"): Explanation(
        "Nous n'avons pas pu lire la date de validité de votre pièce d'identité. "
        + _UPLOAD_AGAIN_FR,
        "We could not read the expiry date of your identity document. " + _UPLOAD_AGAIN_EN, True),
    ("name_match", "name_unreadable"): Explanation(
        "Nous n'avons pas pu lire le nom sur votre pièce d'identité. " + _UPLOAD_AGAIN_FR,
        "We could not read the name on your identity document. " + _UPLOAD_AGAIN_EN, True),
    ("name_match", "name_mismatch"): Explanation(
        "La pièce d'identité envoyée n'est pas au nom indiqué dans la commande. Envoyez votre "
        "propre pièce d'identité ou corrigez votre nom.",
        "The identity document you sent is not in the name given in the order. Please send your "
        "own identity document or correct your name.", True),
    ("name_match", "name_doubtful"): Explanation(
        "Le nom saisi ne correspond pas exactement à celui de votre pièce d'identité. "
        "Vérifiez l'orthographe de vos nom et prénom.",
        "The name you entered does not exactly match your identity document. Please check the "
        "spelling of your first and last names."),
    ("name_match", "identity_of_holder"): Explanation(
        "La pièce d'identité envoyée est celle du titulaire de la carte grise, pas la vôtre : "
        "notre équipe va vérifier votre dossier.",
        "The identity document you sent is the registration holder's, not yours: our team will "
        "check your order."),
    ("siren_valid", "siren_missing"): Explanation(
        "Indiquez le numéro SIREN de votre société (9 chiffres).",
        "Please give your company's SIREN number (9 digits)."),
    ("siren_valid", "siren_invalid"): Explanation(
        "Le numéro SIREN saisi n'est pas valide. Vérifiez-le sur votre extrait Kbis.",
        "The SIREN number you entered is not valid. Please check it on your Kbis extract."),
    ("vat_valid", "vat_invalid"): Explanation(
        "Le numéro de TVA intracommunautaire saisi n'est pas valide.",
        "The VAT number you entered is not valid."),
    ("vat_valid", "vat_siren_mismatch"): Explanation(
        "Le numéro de TVA saisi ne correspond pas au numéro SIREN de votre société.",
        "The VAT number you entered does not match your company's SIREN."),
    ("contact_valid", "email_invalid"): Explanation(
        "L'adresse e-mail saisie n'est pas valide : c'est là que nous enverrons votre "
        "certificat. Corrigez-la.",
        "The e-mail address you entered is not valid: that is where we send your certificate. "
        "Please correct it."),
    ("contact_valid", "phone_invalid"): Explanation(
        "Le numéro de téléphone saisi ne semble pas valide.",
        "The phone number you entered does not seem valid."),
}


def explain(check: CheckResult) -> Explanation | None:
    """Return what to tell the customer about a failing or warning check, or None when it is
    not for the customer (passed, skipped, or a matter for staff only)."""
    if check.status not in ("fail", "warn"):
        return None
    return _TEXTS.get((check.name, check.reason))


def explain_all(checks: list[CheckResult]) -> list[tuple[CheckResult, Explanation]]:
    """Return the customer explanations of a list of results, in order, without repeats."""
    seen: set[Explanation] = set()
    out = []
    for check in checks:
        text = explain(check)
        if text is not None and text not in seen:
            seen.add(text)
            out.append((check, text))
    return out
