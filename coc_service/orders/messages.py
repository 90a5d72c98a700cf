"""Field errors of an order form, in English and French, each with a stable code.

The pages show `message(locale)` next to the field; the API returns the code and the English
message. Messages never repeat the value typed (it may be personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coc_service.errors import CocError


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: a stable code and the sentence in both languages."""

    code: str
    message_en: str
    message_fr: str

    def message(self, locale: str = "en") -> str:
        return self.message_fr if locale.startswith("fr") else self.message_en

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message_en, "message_fr": self.message_fr}


# code -> (English, French); "{...}" placeholders are filled by `field_error`
_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("This field is required.", "Ce champ est obligatoire."),
    "not_a_string": ("This field must be text.", "Ce champ doit être un texte."),
    "not_an_object": ("This must be an object.", "Cette valeur doit être un objet."),
    "not_a_boolean": ("This must be true or false.", "Cette valeur doit être vrai ou faux."),
    "invalid_characters": (
        "This field holds characters that are not allowed.",
        "Ce champ contient des caractères non autorisés.",
    ),
    "too_long": ("At most {max} characters.", "{max} caractères au maximum."),
    "choice": ("Choose one of: {choices}.", "Choisissez parmi : {choices}."),
    "vin_format": (
        "A VIN has 17 letters and digits (never I, O or Q).",
        "Un VIN compte 17 lettres et chiffres (jamais I, O ni Q).",
    ),
    "vin_make_mismatch": (
        "This VIN belongs to a {vin_make}, not a {make}.",
        "Ce VIN correspond à un véhicule {vin_make}, pas {make}.",
    ),
    "make_unknown": (
        "We do not supply certificates for this make.",
        "Nous ne fournissons pas de certificat pour cette marque.",
    ),
    "date_format": ("Enter a date as YYYY-MM-DD.", "Saisissez une date au format AAAA-MM-JJ."),
    "date_future": ("This date is in the future.", "Cette date est dans le futur."),
    "date_too_old": (
        "The first registration must be in 1950 or later.",
        "La première immatriculation doit dater de 1950 ou après.",
    ),
    "registration_number": (
        "Enter a French registration number such as AA-123-AA or 1234 AB 56.",
        "Saisissez une immatriculation française comme AA-123-AA ou 1234 AB 56.",
    ),
    "registration_number_foreign": (
        "Enter the registration number as printed (letters, digits, spaces, dashes).",
        "Saisissez l'immatriculation telle qu'imprimée (lettres, chiffres, espaces, tirets).",
    ),
    "email": ("Enter a valid e-mail address.", "Saisissez une adresse e-mail valide."),
    "phone": (
        "Enter a valid phone number (French, or international starting with +).",
        "Saisissez un numéro valide (français, ou international commençant par +).",
    ),
    "siren": (
        "A SIREN has 9 digits with a valid check digit.",
        "Un SIREN compte 9 chiffres avec une clé de contrôle valide.",
    ),
    "vat_number": (
        "Enter a valid EU VAT number, e.g. FR40303265045.",
        "Saisissez un numéro de TVA intracommunautaire valide, par ex. FR40303265045.",
    ),
    "vat_siren_mismatch": (
        "This French VAT number does not belong to the SIREN given.",
        "Ce numéro de TVA français ne correspond pas au SIREN indiqué.",
    ),
    "postcode_fr": (
        "A French postcode has 5 digits.",
        "Un code postal français compte 5 chiffres.",
    ),
    "postcode": ("Enter a valid postcode.", "Saisissez un code postal valide."),
    "country": (
        "Enter a country as a two-letter ISO code, e.g. FR.",
        "Saisissez un pays en code ISO à deux lettres, par ex. FR.",
    ),
    "terms": (
        "Please accept the terms of sale and the privacy notice.",
        "Veuillez accepter les conditions de vente et la politique de confidentialité.",
    ),
    "invalid_body": (
        "The order must be a JSON object.",
        "La commande doit être un objet JSON.",
    ),
}


def field_error(code: str, **values: Any) -> FieldError:
    """Return the FieldError for `code`, its placeholders filled with `values`."""
    english, french = _MESSAGES[code]
    return FieldError(code, english.format(**values), french.format(**values))


class OrderValidationError(CocError, ValueError):
    """An order's data has one or more invalid fields.

    `details` maps dotted field paths ("customer.email", "vehicle.vin",
    "billing_address.postcode") to a FieldError; `errors` is the same with English messages.
    """

    exit_code = 2

    def __init__(self, details: Mapping[str, FieldError]) -> None:
        self.details: dict[str, FieldError] = dict(details)
        super().__init__("invalid order: " + ", ".join(sorted(self.details)))

    @property
    def errors(self) -> dict[str, str]:
        return {path: err.message_en for path, err in self.details.items()}

    def messages(self, locale: str = "en") -> dict[str, str]:
        """Return field path -> message in `locale` ("fr" or "en")."""
        return {path: err.message(locale) for path, err in self.details.items()}

    def codes(self) -> dict[str, str]:
        return {path: err.code for path, err in self.details.items()}
