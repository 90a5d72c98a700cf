"""The one-page summary PDF of a supplier bundle, written with pypdf alone.

A COC supplier's clerk reads this first: which order, which vehicle, for whom it was sent and
which files come with it. Plain Helvetica in WinAnsi encoding covers French text; characters
outside it are printed as "?" (the manifest keeps the exact values).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pypdf import PdfWriter
from pypdf.generic import ContentStream, DictionaryObject, NameObject

A4 = (595.28, 841.89)
MARGIN = 56.0
TITLE_SIZE, TEXT_SIZE, SMALL_SIZE = 16, 11, 8
LINE_GAP = 1.45


@dataclass(frozen=True)
class SummaryLine:
    """One line of the summary: a label and its value (an empty label for a plain line)."""

    label: str
    value: str
    small: bool = False


def _font(base: str) -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject(base),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })


def _pdf_text(text: str) -> bytes:
    """Return `text` as a PDF string literal in WinAnsi encoding, escaped."""
    raw = re.sub(r"\s+", " ", text).encode("cp1252", errors="replace")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped + b")"


def _content(title: str, lines: Sequence[SummaryLine]) -> bytes:
    out = [b"BT", f"/F2 {TITLE_SIZE} Tf {MARGIN} {A4[1] - MARGIN - TITLE_SIZE} Td".encode(),
           _pdf_text(title) + b" Tj"]
    y_step = -TITLE_SIZE * LINE_GAP * 1.3
    for line in lines:
        size = SMALL_SIZE if line.small else TEXT_SIZE
        out.append(f"0 {y_step:.2f} Td".encode())
        if line.label:
            out.append(f"/F2 {size} Tf".encode() + _pdf_text(line.label + " ") + b" Tj")
        out.append(f"/F1 {size} Tf".encode() + _pdf_text(line.value) + b" Tj")
        y_step = -size * LINE_GAP
    out.append(b"ET")
    return b"\n".join(out)


def summary_pdf(title: str, lines: Sequence[SummaryLine], *, subject: str = "") -> bytes:
    """Return a one-page A4 PDF with `title` and `lines` (label in bold, value after it)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=A4[0], height=A4[1])
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({
            NameObject("/F1"): _font("/Helvetica"), NameObject("/F2"): _font("/Helvetica-Bold"),
        }),
    })
    stream = ContentStream(None, writer)
    stream.set_data(_content(title, lines))
    page.replace_contents(stream)
    writer.add_metadata({"/Title": title, "/Subject": subject, "/Producer": "coc-service"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
