"""Warm a long-lived process before it forks the processes that read documents.

Every upload is decoded and read in a child (coc_service.documents.isolation), and most RQ
jobs run in a fresh fork of the worker. What a process sets up on the first use of a
code path (OpenCV's and NumPy's lazy tables, the glyph classifier's first products, Python's
caches) is lost with the child, so each child would pay for it again: measured on the speed
set's identity photos, a cold child prepared a page in 68 ms median, a child of a warmed
parent in 55 ms. Running the pipeline once on a practice page in the parent makes every child
inherit that state, and the Tesseract engines loaded and run here (about 0.1 s each to load)
are inherited ready by every job. Worth it only in a process that forks many children (the
worker), not for one `coc-service extract`. A documents worker goes one step further: its
standby child is warmed here too (prime_standby), on its own copy, before the upload comes.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from coc_service.documents.identity.glyph_training import OCRB_DIR

# ICAO 9303 part 4's specimen passport (not a real person).
_SPECIMEN_MRZ = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
_TEXT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# glibc's mallopt parameters
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Heap a standby writes over before its upload: what the arrays of a phone photo take.
_STANDBY_HEAP = 2 * 16 * 1024 * 1024


@lru_cache(maxsize=1)
def warm_up() -> bool:
    """Run page preparation, quality, the MRZ reader, the certificate reader and both
    Tesseract engines once on a practice page, in this process (once per process); return
    whether the practice MRZ was read, as a self-check.

    Readers and engines do much of their setting up on their first page (imports, models, the
    engines' own tables): measured on certificates, a forked child of a parent that had only
    loaded the engines read the page in 541 ms (median), 450 ms once the parent had read
    pages with them."""
    from coc_service.documents import ocr
    from coc_service.documents.glyphs.model import glyph_model
    from coc_service.documents.identity import read_identity
    from coc_service.documents.intake import Upload
    from coc_service.documents.pipeline import prepare_upload, warm_decoders
    from coc_service.documents.registration import read_registration
    from coc_service.documents.registration.accents import LANGUAGES
    from coc_service.documents.registration.band import BAND_ALPHABET
    from coc_service.documents.types import Limits

    for kind in ("pdf", "heif", "jpeg"):
        warm_decoders(kind)
    limits = Limits()
    upload = Upload(data=practice_page(), kind="png", name="practice.png")
    practice_photo()  # made once here, for every standby child's priming
    prepared = prepare_upload(upload, limits)
    reading = read_identity(prepared.pages, limits=limits, glance=True, visual="never")
    read_registration(prepared.pages, limits=limits)  # a passport: its full pass runs, in vain
    glyph_model()  # the VIN classifier, which a passport's page does not call for
    # As the stacked second reads of a certificate's VIN and band run it.
    ocr.read_words(prepared.pages[0].image, lang="eng", psm=6, whitelist=BAND_ALPHABET)
    # The models other states' names are read again with (registration/accents.py).
    line = prepared.pages[0].image[:120]
    for lang in sorted(set(LANGUAGES.values())):
        if ocr.has_language(lang):
            ocr.read_words(line, lang=lang, psm=7)
    return reading is not None and reading.fields["surname"].value == "ERIKSSON"


def prime_standby() -> None:
    """Warm a standby child (standby.py) for the next upload: keep the memory freed from now
    on in the heap, write over the heap a photo's arrays will take, and read the practice
    page, photographed, as an identity document is first read (decoding, page preparation,
    quality, the MRZ glance). It takes about 0.1 s of CPU.

    Measured on the speed set's identity photos (extraction_speed, seed 5): 86 ms (median) in
    a fresh child, 63 ms in a primed standby, 55 ms in the warm parent itself.
    """
    from coc_service.documents.identity import read_identity
    from coc_service.documents.intake import Upload
    from coc_service.documents.pipeline import prepare_upload
    from coc_service.documents.types import Limits

    _keep_freed_memory()
    blocks = [np.ones(_STANDBY_HEAP // 2, np.uint8) for _ in range(2)]
    del blocks
    limits = Limits()
    prepared = prepare_upload(Upload(data=practice_photo(), kind="jpeg", name="practice.jpg"),
                              limits)
    read_identity(prepared.pages, limits=limits, glance=True, visual="never")


def _keep_freed_memory() -> None:
    """Make this process's malloc keep what is freed (no trimming of the heap's top) and serve
    blocks up to 32 MB from the heap: memory written once is then reused without new faults.
    Right for a child that lives for one upload and is bounded in memory; glibc only."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)


@lru_cache(maxsize=1)
def practice_photo() -> bytes:
    """Return the practice page as a phone photo comes: a JPEG about 3000 pixels wide."""
    page = Image.open(io.BytesIO(practice_page()))
    photo = page.resize((page.width * 11 // 5, page.height * 11 // 5), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=90)
    return out.getvalue()


@lru_cache(maxsize=1)
def practice_page() -> bytes:
    """Return a PNG of a passport data page on a table: a few printed lines and the specimen
    MRZ in OCR-B."""
    page = Image.new("L", (1400, 1000), 96)  # the table
    draw = ImageDraw.Draw(page)
    draw.rectangle((150, 170, 1250, 830), fill=235)  # the card
    text = ImageFont.truetype(_TEXT_FONT, 26)
    for row, line in enumerate(("PASSPORT  UTOPIA", "Surname  ERIKSSON",
                                "Given names  ANNA MARIA", "Date of birth  12 AUG 1974")):
        draw.text((480, 230 + 70 * row), line, font=text, fill=30)
    mrz = ImageFont.truetype(f"{OCRB_DIR}/OCRB.otf", 34)
    for row, line in enumerate(_SPECIMEN_MRZ):
        draw.text((190, 680 + 55 * row), line, font=mrz, fill=20)
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()
