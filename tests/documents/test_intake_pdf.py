"""PDF pages to images: scans taken as they are, other pages rendered, bad PDFs refused."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

from coc_service.documents.errors import EncryptedDocument, TooManyPages, TooManyPixels
from coc_service.documents.pdf_pages import ACTIVE_CONTENT_NOTE, REPAIRED_NOTE, decode_pdf
from coc_service.documents.types import Limits
from fixtures.synth.badfiles import (
    encrypted_pdf,
    pdf_with_broken_xref,
    pdf_with_javascript,
    pdf_with_pages,
)
from fixtures.synth.formats import composed_pdf, pdf_of_images

LIMITS = Limits()


def _scan(width: int = 400, height: int = 300) -> Image.Image:
    """An asymmetric grey picture standing for a scanned page."""
    pixels = np.full((height, width), 230, np.uint8)
    pixels[20:80, 20:140] = 20  # a dark block top left
    pixels[height - 60 : height - 20, width - 100 : width - 20] = 120  # grey block bottom right
    return Image.fromarray(pixels, "L").convert("RGB")


def _render(data: bytes, dpi: float) -> np.ndarray:
    page = pdfium.PdfDocument(data)[0]
    pixels = page.render(scale=dpi / 72.0).to_numpy()
    return cv2.cvtColor(np.ascontiguousarray(pixels[:, :, :3]), cv2.COLOR_BGR2GRAY)


def _same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    return float(np.mean(np.abs(a.astype(int) - b.astype(int)))) < 12


def test_scanned_page_is_taken_at_its_own_resolution() -> None:
    data = pdf_of_images([_scan()], 95, 150)
    (page,), notes = decode_pdf(data, LIMITS)
    assert page.source == "pdf-image"
    assert page.grey.shape == (300, 400)
    assert page.dpi == pytest.approx(150, rel=0.01)
    assert notes == []


def test_rotated_page_comes_out_as_displayed() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_of_images([_scan()], 95, 150))))
    writer.pages[0].rotate(90)
    buffer = io.BytesIO()
    writer.write(buffer)
    (page,), _ = decode_pdf(buffer.getvalue(), LIMITS)
    assert page.source == "pdf-image"
    assert page.grey.shape == (400, 300)
    assert _same_picture(page.grey, _render(buffer.getvalue(), 150))


def test_image_drawn_turned_comes_out_as_displayed() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_of_images([_scan()], 95, 72))))
    page = writer.pages[0]
    name = next(iter(page["/Resources"]["/XObject"]))  # type: ignore[index]
    # Draw the 400 x 300 picture turned a quarter counter-clockwise on a 300 x 400 page.
    page.mediabox.upper_right = (300, 400)
    stream = StreamObject()
    stream.set_data(f"q 0 400 -300 0 300 0 cm {name} Do Q".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    (decoded,), _ = decode_pdf(buffer.getvalue(), LIMITS)
    assert decoded.source == "pdf-image"
    assert decoded.grey.shape == (400, 300)
    assert _same_picture(decoded.grey, _render(buffer.getvalue(), 72))


def test_page_with_vector_content_is_rendered() -> None:
    data = composed_pdf(_scan(), 90, 150)
    (page,), _ = decode_pdf(data, LIMITS)
    assert page.source == "pdf-render"
    assert page.dpi == pytest.approx(300, rel=0.01)
    assert _same_picture(page.grey, _render(data, 300))


def test_picture_pasted_on_a_larger_page_is_rendered_at_its_own_resolution() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_of_images([_scan()], 95, 200))))
    writer.pages[0].mediabox.upper_right = (400, 500)  # the picture covers a quarter of it
    buffer = io.BytesIO()
    writer.write(buffer)
    (page,), _ = decode_pdf(buffer.getvalue(), LIMITS)
    assert page.source == "pdf-render"
    assert page.dpi == pytest.approx(200, rel=0.01)
    assert page.grey.shape == pytest.approx((round(500 / 72 * 200), round(400 / 72 * 200)), abs=2)


def test_two_pages_keep_their_order() -> None:
    data = pdf_of_images([_scan(), Image.new("RGB", (200, 100), "white")], 90, 100)
    pages, _ = decode_pdf(data, LIMITS)
    assert [p.index for p in pages] == [1, 2]
    assert pages[1].grey.min() > 200


def test_password_protected_pdf_is_refused() -> None:
    with pytest.raises(EncryptedDocument):
        decode_pdf(encrypted_pdf("secret"), LIMITS)


def test_pdf_with_only_an_owner_password_opens() -> None:
    pages, _ = decode_pdf(encrypted_pdf(""), LIMITS)
    assert len(pages) == 1


def test_scripts_are_noted_never_run() -> None:
    pages, notes = decode_pdf(pdf_with_javascript(), LIMITS)
    assert len(pages) == 1
    assert notes == [ACTIVE_CONTENT_NOTE]


def test_broken_cross_reference_table_is_repaired() -> None:
    pages, notes = decode_pdf(pdf_with_broken_xref(), LIMITS)
    assert len(pages) == 1
    assert REPAIRED_NOTE in notes
    assert pages[0].grey.min() < 100  # the letter's text was rendered


def test_page_bound_comes_from_limits() -> None:
    assert len(decode_pdf(pdf_with_pages(3), Limits(max_pages=3))[0]) == 3
    with pytest.raises(TooManyPages):
        decode_pdf(pdf_with_pages(4), Limits(max_pages=3))


def test_embedded_image_above_the_pixel_bound_is_refused() -> None:
    with pytest.raises(TooManyPixels):
        decode_pdf(pdf_of_images([_scan()], 90, 150), Limits(max_pixels=100_000))


def test_an_embedded_jpeg_is_drawn_as_stored_whatever_its_exif_says() -> None:
    """The scan's JPEG is decoded from its own bytes (grey, fast), but a PDF viewer ignores
    the EXIF orientation a phone left in it, and so must we."""
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees" for an image viewer
    jpeg = io.BytesIO()
    _scan().save(jpeg, "JPEG", quality=95, exif=exif.tobytes())
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_of_images([_scan()], 95, 150))))
    xobjects = writer.pages[0]["/Resources"]["/XObject"]
    image = xobjects[next(iter(xobjects))].get_object()
    assert image["/Filter"] == "/DCTDecode"
    image._data = jpeg.getvalue()
    out = io.BytesIO()
    writer.write(out)
    (page,), _ = decode_pdf(out.getvalue(), LIMITS)
    assert page.source == "pdf-image"
    assert page.grey.shape == (300, 400)
    assert _same_picture(np.asarray(_scan().convert("L")), page.grey)
