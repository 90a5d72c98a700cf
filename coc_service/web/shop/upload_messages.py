"""What to tell a customer about a file: why it was refused, or what to fix in a photo."""

from __future__ import annotations

from flask_babel import gettext as _

from coc_service.documents.types import Limits


def rejection_message(code: str, limits: Limits) -> str:
    """Return the customer's message for a refused file (codes of the `extract` contract)."""
    from coc_service.web.i18n import file_size

    size = file_size(limits.max_bytes)
    messages = {
        "empty": _("Le fichier est vide. Choisissez de nouveau votre photo ou votre PDF."),
        "too_large": _("Le fichier dépasse %(size)s. Envoyez une photo moins lourde ou un PDF "
                       "plus léger.", size=size),
        "unsupported_type": _("Ce type de fichier n'est pas accepté. Envoyez une photo (JPEG, "
                              "PNG, HEIC, WebP, TIFF) ou un PDF."),
        "corrupt": _("Le fichier est endommagé et ne peut pas être lu. Reprenez la photo ou "
                     "exportez de nouveau le PDF."),
        "too_many_pixels": _("L'image est trop grande en pixels. Réduisez sa définition ou "
                             "envoyez-la au format PDF."),
        "too_many_pages": _("Le PDF compte trop de pages (%(n)d au maximum). N'envoyez que les "
                            "pages du document.", n=limits.max_pages),
        "encrypted": _("Ce PDF est protégé par un mot de passe. Envoyez une version sans "
                       "protection."),
        "timeout": _("La lecture de ce fichier a pris trop de temps. Envoyez une photo plus "
                     "simple ou un autre PDF."),
    }
    return messages.get(code, _("Ce fichier ne peut pas être lu. Essayez une autre photo."))


def quality_messages(problems: list[str]) -> list[str]:
    """Return one sentence per problem seen on a photo, saying how to retake it."""
    advice = {
        "too_small": _("Le document est trop petit ou trop loin : rapprochez-vous pour qu'il "
                       "remplisse la photo."),
        "blurry": _("La photo est floue : tenez le téléphone immobile et touchez l'écran pour "
                    "faire la mise au point."),
        "dark": _("La photo est trop sombre : placez-vous près d'une fenêtre ou sous une "
                  "lampe."),
        "glare": _("Un reflet cache une partie du document : inclinez-le légèrement ou évitez "
                   "le flash."),
        "cut_off": _("Le document est coupé : les quatre coins doivent être visibles."),
        "no_document": _("Nous ne voyons pas de document sur cette image : photographiez le "
                         "document lui-même, à plat."),
    }
    return [advice[p] for p in problems if p in advice]


def kind_label(kind: str) -> str:
    labels = {
        "identity": _("Pièce d'identité"),
        "registration": _("Certificat d'immatriculation (carte grise)"),
        "certificate": _("Certificat de conformité"),
    }
    return labels.get(kind, kind)


def kind_hint(kind: str) -> str:
    hints = {
        "identity": _("Carte d'identité (recto et verso) ou passeport (page avec la photo), "
                      "en cours de validité. La bande de caractères en bas doit être lisible."),
        "registration": _("Le certificat d'immatriculation du véhicule, en entier : le numéro "
                          "VIN (case E) et la date de première immatriculation (case B) "
                          "doivent être lisibles."),
    }
    return hints.get(kind, "")
