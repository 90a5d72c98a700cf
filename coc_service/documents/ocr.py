"""The one module that runs Tesseract: typed arguments, a timeout, domain errors.

Tesseract runs in this process through its C API (tesserocr), one loaded engine per language
kept for the life of the process. Starting the `tesseract` program costs about 0.13 s per call
before it reads a pixel (most of it loading the LSTM model), as much as a third of a
certificate's full-page read; a worker loads each engine once and every forked job and child
inherits it ready. Built against the system's libtesseract (scripts/install.sh), the engine
is the `tesseract` program's own: the same words, boxes and confidences.

Tesseract is run single-threaded (OMP_THREAD_LIMIT=1, set before the library loads): on small
machines its OpenMP threads make it several times slower for the same output; we scale with
worker processes instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from functools import cache, lru_cache
from types import ModuleType

import cv2
import numpy as np

from coc_service.documents.errors import OcrEngineError, StageTimeout
from coc_service.documents.types import Box

# Read by OpenMP when the library loads: tesserocr is imported only when an engine is made.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

_LEPTONICA_SEVERITY_NONE = 6


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


def _tesserocr() -> ModuleType:
    try:
        import tesserocr
    except ImportError as exc:
        raise OcrEngineError(
            "Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-fra "
            "libtesseract-dev, then pip install tesserocr"
        ) from exc
    return tesserocr


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    """Return the version of the Tesseract library in use, or raise OcrEngineError when it
    is missing."""
    banner = _tesserocr().tesseract_version().split()
    return banner[1] if len(banner) > 1 else "unknown"


@cache
def has_language(lang: str) -> bool:
    """Return True when Tesseract's model for `lang` is installed (tesseract-ocr-<lang>)."""
    try:
        _, languages = _tesserocr().get_languages()
    except OcrEngineError:
        return False
    return lang in languages


@lru_cache(maxsize=1)
def _quiet_leptonica() -> None:
    """Silence the image library's messages to stderr ("Error in boxClipToRectangle"): they are
    Tesseract's own, handled inside it, and `tesseract` the program kept them to itself too."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("lept") or ctypes.util.find_library("leptonica")
    if name is None:
        return
    with contextlib.suppress(OSError, AttributeError):  # another build: its messages stay
        ctypes.CDLL(name).setMsgSeverity(_LEPTONICA_SEVERITY_NONE)


class _Engine:
    """One initialised Tesseract for one language; calls are serialised (an engine holds one
    page at a time)."""

    def __init__(self, lang: str) -> None:
        tesserocr = _tesserocr()
        _quiet_leptonica()
        try:
            self.api = tesserocr.PyTessBaseAPI(lang=lang, oem=tesserocr.OEM.LSTM_ONLY)
        except RuntimeError as exc:
            raise OcrEngineError(
                f"Tesseract has no {lang!r} language data: apt-get install tesseract-ocr-{lang}"
            ) from exc
        # Tesseract's own diagnostics ("Estimating resolution as 285") are not ours to print:
        # stdout belongs to `coc-service extract`'s JSON.
        self.api.SetVariable("debug_file", "/dev/null")
        self.lock = threading.Lock()

    def read(self, image: np.ndarray, psm: int, whitelist: str, timeout_s: float) -> str:
        """Return Tesseract's TSV for the image (grey, or BGR)."""
        pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        pixels = np.ascontiguousarray(pixels)
        height, width = pixels.shape[:2]
        depth = 1 if pixels.ndim == 2 else 3
        with self.lock:
            api = self.api
            api.SetPageSegMode(psm)
            api.SetVariable("tessedit_char_whitelist", whitelist)
            try:
                api.SetImageBytes(pixels.tobytes(), width, height, depth, width * depth)
                started = time.monotonic()
                if not api.Recognize(timeout=max(1, round(timeout_s * 1000))):
                    if time.monotonic() - started >= 0.9 * timeout_s:
                        raise StageTimeout(f"OCR took longer than {timeout_s:.3g} s")
                    raise OcrEngineError("Tesseract could not read the image")
                return str(api.GetTSVText(0))
            finally:
                api.Clear()  # the page's results are not kept for the life of the process


_engines: dict[str, _Engine] = {}
_engines_lock = threading.Lock()


def _fresh_locks_after_fork() -> None:
    """A forked child has only the thread that forked: a lock another thread held at the fork
    would never be released in it."""
    global _engines_lock
    _engines_lock = threading.Lock()
    for loaded in _engines.values():
        loaded.lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_locks_after_fork)


def engine(lang: str) -> _Engine:
    """Return this process's engine for `lang` ("fra", "eng", "fra+eng"), loading it once."""
    with _engines_lock:
        if lang not in _engines:
            _engines[lang] = _Engine(lang)
        return _engines[lang]


def read_words(
    image: np.ndarray,
    *,
    lang: str = "fra+eng",
    psm: int = 3,
    whitelist: str | None = None,
    timeout_s: float = 20.0,
) -> OcrText:
    """Return the words Tesseract reads on a grey or BGR image, with boxes and confidences."""
    if image.size == 0:
        return OcrText([])
    tsv = engine(lang).read(image, psm, whitelist or "", timeout_s)
    return OcrText(_words(tsv))


def _words(tsv: str) -> list[Word]:
    """Return the words of Tesseract's TSV (level, page, block, paragraph, line, word, left,
    top, width, height, confidence, text), skipping the rows of blocks and lines."""
    words = []
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < 12 or not cells[0].isdigit():  # short, or the program's header row
            continue
        text, conf = cells[11].strip(), float(cells[10])
        if not text or conf < 0:
            continue
        left, top, width, height = (int(v) for v in cells[6:10])
        words.append(Word(
            text=text,
            confidence=conf / 100.0,
            box=(left, top, width, height),
            line=(int(cells[2]), int(cells[3]), int(cells[4])),
        ))
    return words


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
