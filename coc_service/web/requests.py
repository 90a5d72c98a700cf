"""The request class: uploaded files stay in memory, never in a temporary file on disk."""

from __future__ import annotations

import io
from typing import IO

from flask import Request


class UploadInMemoryRequest(Request):
    """Werkzeug spools large multipart files to an unencrypted temporary file; ours are copies
    of identity papers, so they stay in memory, bounded by MAX_CONTENT_LENGTH."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()
