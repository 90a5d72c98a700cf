"""The checks an upload gets before it is stored: decoding bounds and a quick quality verdict.

Decoding a hostile file may loop or eat memory, so it runs in the bounded child process of
coc_service.documents.isolation; the forked child inherits the upload's bytes and decodes them
itself, so the web process never holds the decoded pages, and no clear copy of an identity
document is ever written to disk. Only the verdict (a small object) comes back.
"""

from __future__ import annotations

from typing import IO

from coc_service.documents.isolation import run_isolated
from coc_service.documents.types import Limits, QualityVerdict


def inspect_upload(spool: IO[bytes], file_type: str, limits: Limits) -> QualityVerdict | None:
    """Return the quick quality verdict of a spooled upload (None when none applies).

    Raises a DocumentRejected (corrupt, encrypted, too_many_pixels, too_many_pages, timeout)
    when the file cannot be decoded within `limits`.
    """
    from coc_service.documents.pipeline import warm_decoders

    warm_decoders(file_type)  # loaded once here, inherited by every forked child
    spool.seek(0)
    data = spool.read()
    spool.seek(0)
    verdict: QualityVerdict | None = run_isolated(
        _decode_and_judge, data, file_type, limits, timeout_s=limits.stage_timeout_s
    )
    return verdict


def _decode_and_judge(data: bytes, file_type: str, limits: Limits) -> QualityVerdict | None:
    """Decode the file within bounds (raising its rejection) and judge its first page."""
    from coc_service.documents.intake import Upload
    from coc_service.documents.pages import prepare_page
    from coc_service.documents.pipeline import decode_upload
    from coc_service.documents.quality import assess_quality

    pages, _notes = decode_upload(Upload(data=data, kind=file_type, name="upload"),  # type: ignore[arg-type]
                                  limits)
    if not pages:
        return None
    try:
        return assess_quality(prepare_page(pages[0]))
    except Exception:  # the verdict is advice; a fault in measuring it must not refuse the file
        return None
