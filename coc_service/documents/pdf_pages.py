"""Turn the pages of a PDF upload into images, within the upload's bounds.

A page that is only one scanned image gives that image back at its own resolution (through
pypdf, no resampling); any other page is rendered by PDFium at a bounded resolution. Nothing in
a PDF is ever executed: pypdf does not run scripts and PDFium's form environment (the only place
it could) is never initialised. This normally runs in the bounded child process of
`coc_service.documents.isolation`, where a hostile file that makes a parser loop is killed.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from PIL import Image

from coc_service.documents.errors import (
    CorruptFile,
    EncryptedDocument,
    TooManyPages,
    TooManyPixels,
)
from coc_service.documents.raster import (
    DECODE_ERRORS,
    DecodedImage,
    image_to_arrays,
    pillow_pixel_limit,
    split_colour,
)
from coc_service.documents.types import Limits

RENDER_DPI = 300.0
# Rendered pages stay below this many pixels (an A4 page at 300 dpi has 8.7 million).
RENDER_MAX_PIXELS = 12_000_000
# A page drawing nothing but these operators around one image is a scan we can take as is.
_SCAN_PAGE_OPERATORS = {b"q", b"Q", b"cm", b"Do", b"gs", b"w", b"J", b"j", b"M", b"d", b"ri", b"i"}

ACTIVE_CONTENT_NOTE = "pdf_active_content_ignored"
REPAIRED_NOTE = "pdf_structure_repaired"


def decode_pdf(
    data: bytes, limits: Limits, *, colour: bool = False
) -> tuple[list[DecodedImage], list[str]]:
    """Return the pages of a PDF as arrays and notes for staff; raise a DocumentRejected.

    Pages are grey unless `colour` is asked for (then a colour copy comes with colour pages).
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    pdf_errors: tuple[type[BaseException], ...] = (
        PyPdfError, *DECODE_ERRORS, RecursionError, AttributeError, AssertionError,
    )
    with warnings.catch_warnings(), pillow_pixel_limit(limits.max_pixels), _quiet_pypdf():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            _unlock(reader)
            count = len(reader.pages)
        except (EncryptedDocument, TooManyPixels):
            raise
        except pdf_errors:
            # pypdf gives up on some damage PDFium repairs (a wrong cross-reference table,
            # for one): every PDF viewer opens such files, so we do too.
            return _render_every_page(data, limits, colour), [REPAIRED_NOTE]
        _check_page_count(count, limits)
        try:
            notes = [ACTIVE_CONTENT_NOTE] if _has_active_content(reader) else []
        except pdf_errors:
            notes = []
        pages: list[DecodedImage] = []
        renderer: _Renderer | None = None
        for number in range(count):
            try:
                page = reader.pages[number]
                scan = _embedded_scan(page, number + 1, limits, colour)
            except TooManyPixels:
                raise
            except pdf_errors:
                scan = None  # let PDFium try the page
            if isinstance(scan, DecodedImage):
                pages.append(scan)
                continue
            renderer = renderer or _Renderer(data)
            pages.append(renderer.render(number, limits, dpi=scan or RENDER_DPI, colour=colour))
        return pages, notes


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's repair chatter (it logs every damaged object) for one file."""
    logger = logging.getLogger("pypdf")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _check_page_count(count: int, limits: Limits) -> None:
    if count < 1:
        raise CorruptFile("The PDF file has no pages.")
    if count > limits.max_pages:
        raise TooManyPages(f"The PDF has {count} pages; at most {limits.max_pages} are accepted.")


def _render_every_page(data: bytes, limits: Limits, colour: bool) -> list[DecodedImage]:
    renderer = _Renderer(data)
    count = renderer.page_count()
    _check_page_count(count, limits)
    return [
        renderer.render(number, limits, dpi=RENDER_DPI, colour=colour) for number in range(count)
    ]


def _unlock(reader: Any) -> None:
    """Open an encrypted PDF with the empty user password, or refuse it as encrypted."""
    if not reader.is_encrypted:
        return
    from pypdf import PasswordType

    errors: tuple[type[BaseException], ...] = (NotImplementedError, *DECODE_ERRORS)
    try:
        result = reader.decrypt("")
    except errors as exc:
        raise EncryptedDocument("The PDF is protected and cannot be opened.") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise EncryptedDocument(
            "The PDF is protected by a password; please upload it without protection."
        )


def _has_active_content(reader: Any) -> bool:
    """Return True when the PDF carries scripts or actions (we ignore them, staff should know)."""
    root = _resolve(reader.trailer.get("/Root"))
    if "/OpenAction" in root or "/AA" in root:
        return True
    names = _resolve(root.get("/Names"))
    return "/JavaScript" in names or "/EmbeddedFiles" in names


def _resolve(value: Any) -> Any:
    """Return the object behind an indirect reference; an empty dict for a missing one."""
    if value is None:
        return {}
    return value.get_object() if hasattr(value, "get_object") else value


def _embedded_scan(
    page: Any, index: int, limits: Limits, colour: bool
) -> DecodedImage | float | None:
    """Return the page's one scanned image as arrays; or the DPI to render it at; or None.

    A float means the page is one image that does not fill it (a photo pasted on a page):
    rendering at the image's own resolution keeps its detail.
    """
    contents = page.get_contents()
    if contents is None:
        return None
    operations = contents.operations
    if len(operations) > 200 or any(op not in _SCAN_PAGE_OPERATORS for _, op in operations):
        return None
    matrix = _matrix_at_single_draw(operations)
    if matrix is None:
        return None
    matrix_values, name = matrix
    xobjects = _resolve(_resolve(page.get("/Resources")).get("/XObject"))
    if name not in xobjects:
        return None
    image = _resolve(xobjects[name])
    if image.get("/Subtype") != "/Image" or "/SMask" in image or image.get("/ImageMask"):
        return None
    width, height = int(image["/Width"]), int(image["/Height"])
    if width * height > limits.max_pixels:
        raise TooManyPixels(
            f"An image in the PDF is larger than the {limits.max_pixels / 1e6:.0f} megapixels "
            "accepted."
        )
    turns = _quarter_turns(matrix_values)
    if turns is None:
        return None
    a, b, c, d, _, _ = matrix_values
    drawn_width_pt = math.hypot(a, b)
    dpi = width / max(drawn_width_pt / 72.0, 1e-6)
    box = page.cropbox
    page_area = float(box.width) * float(box.height)
    if page_area <= 0 or abs(a * d - b * c) < 0.8 * page_area:
        return float(min(max(dpi, 150.0), 600.0))
    pil_image = _jpeg_as_stored(image) or image.decode_as_image()
    if pil_image is None:
        return None
    decoded = image_to_arrays(pil_image, index=index, limits=limits, dpi=dpi, colour=colour,
                              exif=False)
    decoded.source = "pdf-image"
    flips, quarter = turns
    rotation = int(page.rotation or 0) % 360
    total_turns = (quarter - rotation // 90) % 4  # np.rot90 turns counter-clockwise
    decoded.grey = _orient(decoded.grey, flips, total_turns)
    if decoded.color is not None:
        decoded.color = _orient(decoded.color, flips, total_turns)
    return decoded


def _jpeg_as_stored(image: Any) -> Image.Image | None:
    """Return a scan stored as a plain JPEG opened from its own bytes, header read only, so
    that decoding can take the grey plane at a reduced size (a tenth of pypdf's full-colour
    decode); None for any other encoding, colour space or decode array."""
    if image.get("/Filter") not in ("/DCTDecode", ["/DCTDecode"]) or "/Decode" in image:
        return None
    try:
        opened = Image.open(io.BytesIO(image._data))
    except (OSError, ValueError, SyntaxError):
        return None
    return opened if opened.format == "JPEG" and opened.mode in ("L", "RGB") else None


def _matrix_at_single_draw(
    operations: list[tuple[list[Any], bytes]],
) -> tuple[tuple[float, ...], Any] | None:
    """Return (current matrix, image name) at the page's only `Do`, or None if not exactly one."""
    stack: list[tuple[float, ...]] = []
    current: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    found: tuple[tuple[float, ...], Any] | None = None
    for operands, operator in operations:
        if operator == b"q":
            stack.append(current)
        elif operator == b"Q":
            current = stack.pop() if stack else current
        elif operator == b"cm" and len(operands) == 6:
            current = _multiply(tuple(float(v) for v in operands), current)
        elif operator == b"Do":
            if found is not None or not operands:
                return None
            found = (current, operands[0])
    return found


def _multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """Return the PDF matrix product m × n (m applied first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _quarter_turns(matrix: tuple[float, ...]) -> tuple[str, int] | None:
    """Return (flip, counter-clockwise quarter turns) that display an image drawn by `matrix`."""
    a, b, c, d, _, _ = matrix
    tolerance = 1e-3 * max(abs(a), abs(b), abs(c), abs(d), 1e-9)
    if abs(b) <= tolerance and abs(c) <= tolerance:
        if a > 0 and d > 0:
            return "", 0
        if a < 0 and d < 0:
            return "", 2
        return ("ud" if d < 0 else "lr"), 0
    if abs(a) <= tolerance and abs(d) <= tolerance:
        if b > 0 and c < 0:
            return "", 1
        if b < 0 and c > 0:
            return "", 3
    return None  # mirrored quarter turns and skewed drawings are left to the renderer


def _orient(pixels: np.ndarray, flip: str, turns: int) -> np.ndarray:
    if flip == "ud":
        pixels = pixels[::-1]
    elif flip == "lr":
        pixels = pixels[:, ::-1]
    return np.ascontiguousarray(np.rot90(pixels, k=turns))


class _Renderer:
    """PDFium, opened once per upload and only when a page needs rendering."""

    def __init__(self, data: bytes) -> None:
        import pypdfium2 as pdfium

        try:
            self._document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
                raise EncryptedDocument(
                    "The PDF is protected by a password; please upload it without protection."
                ) from exc
            raise CorruptFile("The PDF file is damaged and cannot be read.") from exc

    def page_count(self) -> int:
        return len(self._document)

    def render(
        self, number: int, limits: Limits, *, dpi: float, colour: bool = False
    ) -> DecodedImage:
        import pypdfium2 as pdfium

        try:
            page = self._document[number]
            width_pt, height_pt = page.get_size()
            scale = dpi / 72.0
            budget = min(RENDER_MAX_PIXELS, limits.max_pixels)
            if width_pt * height_pt * scale * scale > budget:
                scale = math.sqrt(budget / max(width_pt * height_pt, 1e-6))
            bitmap = page.render(scale=scale, may_draw_forms=False, grayscale=not colour)
            pixels = bitmap.to_numpy()
        except pdfium.PdfiumError as exc:
            raise CorruptFile("A page of the PDF is damaged and cannot be read.") from exc
        if pixels.ndim == 3 and pixels.shape[2] == 4:
            pixels = pixels[:, :, :3]
        if pixels.ndim == 3 and pixels.shape[2] == 1:
            pixels = pixels[:, :, 0]
        grey, color = split_colour(np.ascontiguousarray(pixels), order="BGR")
        return DecodedImage(
            index=number + 1, grey=grey, color=color, dpi=scale * 72.0, source="pdf-render"
        )
