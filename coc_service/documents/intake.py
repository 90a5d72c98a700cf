"""Intake: read an upload within its size bound and tell its type from the bytes.

The file name and the client's content type are never trusted: a customer's phone may call a HEIC
photo "scan.jpg", and an attacker may call anything "scan.png". Only the leading bytes decide.
Decoding (which may be slow or hostile) happens later, in a bounded child process; see
`coc_service.documents.preparation`.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import BinaryIO, Literal

from coc_service.documents.errors import EmptyFile, TooLarge, UnsupportedType
from coc_service.documents.types import Limits

FileKind = Literal["pdf", "jpeg", "png", "tiff", "webp", "heif"]
Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO

# ISO-BMFF brands of HEIF files Pillow can open through pillow-heif (HEVC-coded images).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1", b"mif2"}

# Types we recognise only to name them in the refusal; everything else is "unknown".
_KNOWN_REFUSED: list[tuple[bytes, str]] = [
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"BM", "BMP image"),
    (b"\x7fELF", "executable program"),
    (b"MZ", "executable program"),
    (b"PK\x03\x04", "ZIP archive or office document"),
    (b"\xd0\xcf\x11\xe0", "office document"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "JPEG 2000 image"),
]

ACCEPTED_TYPES_TEXT = "PDF, JPEG, PNG, TIFF, WebP or HEIC"


@dataclass(frozen=True)
class Upload:
    """The raw bytes of an upload, its type as told by the bytes, and a display name."""

    data: bytes
    kind: FileKind
    name: str

    @property
    def size(self) -> int:
        return len(self.data)


def read_upload(
    source: Source, *, file_name: str | None = None, limits: Limits | None = None
) -> Upload:
    """Return the upload's bytes and detected type; raise a DocumentRejected subclass if refused.

    Never reads more than `limits.max_bytes + 1` bytes from a path or stream.
    """
    limits = limits or Limits()
    data, default_name = _read_bounded(source, limits.max_bytes)
    if not data:
        raise EmptyFile("The file is empty.")
    if len(data) > limits.max_bytes:
        raise TooLarge(
            f"The file is larger than the {_megabytes(limits.max_bytes)} allowed."
        )
    kind = sniff_type(data[:1024])
    if kind is None:
        raise UnsupportedType(
            f"This {describe_refused(data[:1024])} cannot be read; "
            f"please upload a {ACCEPTED_TYPES_TEXT} file."
        )
    return Upload(data=data, kind=kind, name=file_name or default_name)


def _read_bounded(source: Source, max_bytes: int) -> tuple[bytes, str]:
    """Return at most max_bytes + 1 bytes of the source (one more tells us it is too large)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), "upload"
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        with open(path, "rb") as handle:
            return _read_stream(handle, max_bytes + 1), os.path.basename(path)
    return _read_stream(source, max_bytes + 1), str(getattr(source, "name", "upload"))


def _read_stream(stream: BinaryIO, limit: int) -> bytes:
    buffer = io.BytesIO()
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        buffer.write(chunk)
        remaining -= len(chunk)
    return buffer.getvalue()


def sniff_type(head: bytes) -> FileKind | None:
    """Return the accepted file type the leading bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _is_heif(head):
        return "heif"
    # The PDF specification lets readers accept the header anywhere in the first 1024 bytes,
    # and real scanners do prepend junk; but a document that merely *contains* the text (HTML
    # quoting it, say) is not a PDF, so the header must start a line.
    position = head.find(b"%PDF-")
    if position == 0 or (position > 0 and head[position - 1 : position] in (b"\n", b"\r")):
        return "pdf"
    return None


def _is_heif(head: bytes) -> bool:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    if major in _HEIF_BRANDS:
        return True
    if major not in _HEIF_GENERIC_BRANDS:
        return False
    compatible = head[16 : min(box_size, len(head))]
    brands = {compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4)}
    return bool(brands & _HEIF_BRANDS)


def describe_refused(head: bytes) -> str:
    """Return a short, data-free description of a refused file type for the customer."""
    for magic, label in _KNOWN_REFUSED:
        if head.startswith(magic):
            return label
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "SVG drawing"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "web page"
    if text.startswith(b"<?xml"):
        return "XML document"
    if head[4:8] == b"ftyp":
        return "video or AVIF file"
    return "type of file"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"
