"""Intake: the type comes from the bytes, reads are bounded, refusals are typed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from coc_service.documents.errors import EmptyFile, TooLarge, UnsupportedType
from coc_service.documents.intake import read_upload, sniff_type
from coc_service.documents.types import Limits


def _encoded(fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("JPEG", "jpeg"), ("PNG", "png"), ("TIFF", "tiff"), ("WEBP", "webp"), ("PDF", "pdf")],
)
def test_type_is_told_by_the_bytes(fmt: str, kind: str) -> None:
    assert sniff_type(_encoded(fmt)[:1024]) == kind


def test_heic_is_recognised() -> None:
    from pillow_heif import from_pillow

    buffer = io.BytesIO()
    from_pillow(Image.new("RGB", (64, 64), (90, 90, 90))).save(buffer, quality=60)
    assert sniff_type(buffer.getvalue()[:1024]) == "heif"


def test_name_and_extension_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"  # a PNG saved under a PDF name
    path.write_bytes(_encoded("PNG"))
    upload = read_upload(path)
    assert upload.kind == "png"
    assert upload.name == "scan.pdf"


def test_pdf_header_after_scanner_junk_is_accepted() -> None:
    pdf = _encoded("PDF")
    assert sniff_type(b"\r\n\x00junk from a scanner\n" + pdf[:1000]) == "pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 40,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 40,
        b"MZ\x90\x00" + b"\x00" * 40,
        b"<!DOCTYPE html><html><body>%PDF-1.4</body></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"PK\x03\x04" + b"\x00" * 40,
        bytes(range(7, 200)),
    ],
)
def test_other_types_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedType) as refused:
        read_upload(data)
    assert refused.value.code == "unsupported_type"
    assert "please upload" in refused.value.message


def test_empty_file_is_refused() -> None:
    with pytest.raises(EmptyFile):
        read_upload(b"")


def test_size_bound_from_limits() -> None:
    data = _encoded("PNG")
    assert read_upload(data, limits=Limits(max_bytes=len(data))).size == len(data)
    with pytest.raises(TooLarge):
        read_upload(data, limits=Limits(max_bytes=len(data) - 1))


class _CountingStream(io.RawIOBase):
    """An endless stream that counts what is read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "intake must never read without a bound"
        self.served += size
        return b"\xff\xd8\xff" + b"\x00" * (size - 3) if self.served == size else b"\x00" * size


def test_stream_is_read_only_up_to_the_bound() -> None:
    stream = _CountingStream()
    with pytest.raises(TooLarge):
        read_upload(stream, limits=Limits(max_bytes=5_000_000))  # type: ignore[arg-type]
    assert stream.served == 5_000_001


def test_path_is_read_only_up_to_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(b"\xff\xd8\xff" + b"\x00" * 3_000_000)
    with pytest.raises(TooLarge) as refused:
        read_upload(path, limits=Limits(max_bytes=1_000_000))
    assert "1 MB" in refused.value.message
