"""The one module that runs Tesseract: typed arguments, a timeout, domain errors.

Tesseract is run single-threaded (OMP_THREAD_LIMIT=1): on small machines its OpenMP threads make
it several times slower for the same output; we scale with worker processes instead.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import pytesseract

from coc_service.documents.errors import OcrEngineError, StageTimeout
from coc_service.documents.types import Box

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..1
    box: Box
    line: tuple[int, int, int]  # (block, paragraph, line) numbers, to regroup words into lines


@dataclass(frozen=True)
class OcrText:
    words: list[Word]

    @property
    def text(self) -> str:
        return "\n".join(" ".join(w.text for w in line) for line in self.lines())

    def lines(self) -> list[list[Word]]:
        grouped: dict[tuple[int, int, int], list[Word]] = {}
        for word in self.words:
            grouped.setdefault(word.line, []).append(word)
        return [sorted(ws, key=lambda w: w.box[0]) for _, ws in sorted(grouped.items())]


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    """Return the installed Tesseract version, or raise OcrEngineError when it is missing."""
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise OcrEngineError(
            "Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-fra"
        ) from exc


def _config(psm: int, whitelist: str | None, extra: str) -> str:
    parts = [f"--psm {psm}", "--oem 1"]
    if whitelist:
        parts.append(f"-c tessedit_char_whitelist={whitelist}")
    if extra:
        parts.append(extra)
    return " ".join(parts)


def read_words(
    image: np.ndarray,
    *,
    lang: str = "fra+eng",
    psm: int = 3,
    whitelist: str | None = None,
    timeout_s: float = 20.0,
    extra_config: str = "",
) -> OcrText:
    """Return the words Tesseract reads on a grey or BGR image, with boxes and confidences."""
    tesseract_version()
    # Handed a picture, pytesseract writes it as a compressed PNG, which costs a fifth of a
    # full-page read; an uncompressed PNM file is written at disk speed and read the same.
    with tempfile.TemporaryDirectory(prefix="coc-ocr-") as folder:
        path = os.path.join(folder, "page.pgm" if image.ndim == 2 else "page.ppm")
        if not cv2.imwrite(path, image):
            raise OcrEngineError("could not hand the image to Tesseract")
        try:
            data = pytesseract.image_to_data(
                path,
                lang=lang,
                config=_config(psm, whitelist, extra_config),
                output_type=pytesseract.Output.DICT,
                timeout=timeout_s,
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on its timeout
            raise StageTimeout(f"OCR took longer than {timeout_s:.0f} s") from exc
        except pytesseract.TesseractError as exc:
            raise OcrEngineError(f"Tesseract failed: {exc.message}") from exc
    words = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        words.append(
            Word(
                text=text,
                confidence=conf / 100.0,
                box=(data["left"][i], data["top"][i], data["width"][i], data["height"][i]),
                line=(data["block_num"][i], data["par_num"][i], data["line_num"][i]),
            )
        )
    return OcrText(words)


def read_line(
    image: np.ndarray,
    *,
    lang: str = "eng",
    whitelist: str | None = None,
    timeout_s: float = 10.0,
) -> tuple[str, float]:
    """Return the text of a single-line crop and its mean word confidence."""
    result = read_words(image, lang=lang, psm=7, whitelist=whitelist, timeout_s=timeout_s)
    if not result.words:
        return "", 0.0
    text = " ".join(w.text for w in result.words)
    return text, sum(w.confidence for w in result.words) / len(result.words)
