"""Which files a supplier may send as a certificate: a PDF that opens, told from its bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from coc_service.documents.errors import (
    CorruptFile,
    DocumentRejected,
    EmptyFile,
    EncryptedDocument,
    TooLarge,
    TooManyPages,
    UnsupportedType,
)
from coc_service.documents.types import Limits
from coc_service.suppliers.certificates import read_certificate
from tests.suppliers.conftest import pdf_bytes

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad"
LIMITS = Limits(max_bytes=5 * 1024 * 1024, stage_timeout_s=20)


@pytest.mark.parametrize(("name", "error"), [
    ("encrypted.pdf", EncryptedDocument),
    ("garbage.pdf", CorruptFile),
    ("page-loop.pdf", CorruptFile),
    ("hundreds-of-pages.pdf", TooManyPages),
    ("empty.jpg", EmptyFile),
    ("program.jpg", UnsupportedType),
    ("one-pixel.png", UnsupportedType),  # a valid image, but no PDF
    ("page.png", UnsupportedType),
])
def test_refused_files_raise_a_typed_error(name: str, error: type[DocumentRejected]) -> None:
    with pytest.raises(error) as raised:
        read_certificate(io.BytesIO((BAD / name).read_bytes()), LIMITS)
    assert raised.value.code == error.code


@pytest.mark.parametrize("name", ["owner-password-only.pdf", "broken-xref.pdf",
                                  "javascript.pdf"])
def test_pdfs_a_viewer_opens_are_accepted(name: str) -> None:
    data = (BAD / name).read_bytes()
    assert read_certificate(io.BytesIO(data), LIMITS) == data


def test_a_certificate_is_bounded_in_size() -> None:
    data = pdf_bytes()
    assert read_certificate(io.BytesIO(data), LIMITS) == data
    with pytest.raises(TooLarge):
        read_certificate(io.BytesIO(data), Limits(max_bytes=len(data) - 1))
