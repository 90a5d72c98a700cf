"""Checking a certificate PDF a supplier sends before it is stored for the customer.

The type is told from the bytes by coc_service.documents.intake (never the file's name); then
PDFium, the engine PDF viewers use, must open the document and every page within the upload
limits, so that the customer receives a file they can open. Opening runs in the bounded child
process of coc_service.documents.isolation: a hostile file cannot hang the web process.
"""

from __future__ import annotations

from typing import BinaryIO

from coc_service.documents.errors import (
    CorruptFile,
    EncryptedDocument,
    TooManyPages,
    UnsupportedType,
)
from coc_service.documents.intake import read_upload
from coc_service.documents.isolation import run_isolated
from coc_service.documents.types import Limits

#: a COC runs to a few pages; more is not a certificate (scans have their own, lower bound)
CERTIFICATE_MAX_PAGES = 20


def read_certificate(stream: BinaryIO, limits: Limits) -> bytes:
    """Return the bytes of a certificate PDF that opens; raise a DocumentRejected otherwise.

    EmptyFile, TooLarge, UnsupportedType (not a PDF), EncryptedDocument (needs a password),
    CorruptFile, TooManyPages or StageTimeout; each has the contract's `code`.
    """
    upload = read_upload(stream, file_name="certificate", limits=limits)
    if upload.kind != "pdf":
        raise UnsupportedType("A certificate of conformity must be a PDF file.")
    run_isolated(_open_every_page, upload.data, CERTIFICATE_MAX_PAGES,
                 timeout_s=limits.stage_timeout_s)
    return upload.data


def _open_every_page(data: bytes, max_pages: int) -> int:
    """Return the page count after loading each page with PDFium (runs in the child)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedDocument("The PDF is protected by a password; please send it "
                                    "without protection.") from exc
        raise CorruptFile("The PDF is damaged and cannot be opened.") from exc
    try:
        count = len(document)
        if count < 1:
            raise CorruptFile("The PDF has no pages.")
        if count > max_pages:
            raise TooManyPages(f"The PDF has {count} pages; at most {max_pages} are accepted.")
        for number in range(count):
            try:
                document[number].close()
            except pdfium.PdfiumError as exc:
                raise CorruptFile(f"Page {number + 1} of the PDF cannot be opened.") from exc
        return count
    finally:
        document.close()
