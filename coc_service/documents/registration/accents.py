"""Names on other states' certificates re-read with their own language's Tesseract model.

The page is read with the French model, which has no Í, Ó, Ñ or ß: "GARCÍA" comes out
"GARCIA", "NÚÑEZ" "NÜNEZ", "WEIß" "WEIR". The lines of the holder's and owner's names are read
again, each as one line, with the model of the country's language, and that spelling is kept
only where it differs from the first read by accents, or by a letter the French model lacks
(ß): a second read is trusted with the marks, never with the name itself.
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher

import numpy as np

from coc_service.documents import ocr
from coc_service.documents.errors import OcrEngineError, StageTimeout
from coc_service.documents.registration.reread import crop_box
from coc_service.documents.types import Box, Field, Limits

# The country's language, as Tesseract names its model (Debian's tesseract-ocr-<lang>).
LANGUAGES = {"ESP": "spa", "DEU": "deu", "ITA": "ita", "AUT": "deu"}
NAME_FIELDS = ("holder_name", "holder_surname", "holder_given_names", "owner_surname",
               "owner_given_names")
_TEXT_HEIGHT = 32.0  # px: the line's capitals in the crop, where the models read best
# Letters the French model lacks, and what it reads in their place, besides accents dropped.
_FOREIGN = {"ß": ("R", "B", "SS", "S", "8", "13")}
_PUNCTUATION = ".,:;!?\"()[]|"  # around a word, not part of a name (hyphens, apostrophes are)
_MIN_CONFIDENCE = 0.15  # a word of the second read below this is noise


def restore_accents(image: np.ndarray, fields: dict[str, Field], country: str | None,
                    limits: Limits) -> list[str]:
    """Re-read the name fields of a certificate from `country` in its language and take that
    spelling where it only adds the marks the first read lost; return notes.

    Each name's line is read once; the words of all the second reads are then offered to
    every name field (the holder's full name spans the lines of the surname and given names,
    which one line read cannot take in).
    """
    lang = LANGUAGES.get(country or "")
    if lang is None or not ocr.has_language(lang):
        return []
    names = [name for name in NAME_FIELDS
             if fields.get(name) is not None and fields[name].value and fields[name].box]
    boxes = dict.fromkeys(box for name in names if (box := fields[name].box) is not None)
    second: list[str] = []
    for box in boxes:
        second += _read_line(image, box, lang, limits)
    notes: list[str] = []
    for name in names:
        current = fields[name]
        spelled = respelled(str(current.value), second)
        if spelled != current.value:
            notes.append(f"{name}: accents from the {lang} model")
            current.value = spelled
    return notes


def respelled(first: str, second: list[str]) -> str:
    """Return the words of `first`, each as the `second` read spells it when the two differ
    only by marks (GARCIA / GARCÍA) or by a letter the first model lacks (WEIR / WEIß)."""
    out = []
    for word in first.split():
        match = next((other for other in second
                      if other != word and _same_letters(word, other)), None)
        out.append(match if match is not None else word)
    return " ".join(out)


def _same_letters(first: str, second: str) -> bool:
    """Return True when two readings of one word differ only in marks or foreign letters."""
    a, b = _bare(first), _bare(second)
    if a == b:
        return True
    if not any(ch in second for ch in _FOREIGN):
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if b[j1:j2] not in _FOREIGN or a[i1:i2] not in _FOREIGN[b[j1:j2]]:
            return False
    return True


def _bare(word: str) -> str:
    """Return a word's letters without their accents (ß, the foreign letter, is kept)."""
    decomposed = unicodedata.normalize("NFD", capitals(word))
    return "".join(ch for ch in decomposed if ch.isalnum() or ch in "-'")


def _read_line(image: np.ndarray, box: Box, lang: str, limits: Limits) -> list[str]:
    """Return the words of one line read again, upper case (none when it cannot be read)."""
    crop = crop_box(image, box, text_height=_TEXT_HEIGHT, pad_x=0.6, pad_y=0.35)
    if crop.size == 0 or min(crop.shape[:2]) < 8:
        return []
    try:
        words = ocr.read_words(crop, lang=lang, psm=7,
                               timeout_s=min(limits.ocr_timeout_s, 5.0)).words
    except (StageTimeout, OcrEngineError):
        return []  # the first read stands
    # Marks the model is unsure of still count: the letters must match the first read anyway.
    texts = (capitals(word.text).strip(_PUNCTUATION) for word in words
             if word.confidence >= _MIN_CONFIDENCE)
    return [text for text in texts if text]


def capitals(text: str) -> str:
    """Return text in capitals, keeping ß (str.upper writes it SS; names are printed with
    ß, or the capital ẞ, which is the same letter)."""
    return "".join(ch if ch == "ß" else "ß" if ch == "ẞ" else ch.upper() for ch in text)
