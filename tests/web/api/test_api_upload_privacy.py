"""A scan uploaded through the API never lies in clear in a temporary file."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.web.api.api_helpers import bearer, place_order


def _noisy_jpeg(size: tuple[int, int] = (2400, 1600)) -> bytes:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.mark.db
def test_large_upload_writes_no_temporary_file(api, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    payload = _noisy_jpeg()
    assert len(payload) > 2 * 1024 * 1024  # above every default spooling threshold
    order = place_order(api)
    spool_dir = tmp_path / "tmp"
    spool_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    created: list[str] = []
    real_open = os.open

    def watching_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        # O_TMPFILE files have no name: watch every file opened for writing under the folder
        if flags & (os.O_WRONLY | os.O_RDWR) and str(path).startswith(str(spool_dir)):
            created.append(str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", watching_open)
    # encoded beforehand: the test client would itself spool a large body to a temporary file
    boundary, body = encode_multipart(
        {"kind": "identity", "file": FileStorage(io.BytesIO(payload), "scan.jpg")}
    )
    response = api.post(
        f"/api/v1/orders/{order['id']}/documents",
        data=body,
        headers=bearer(order["access_token"]),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.get_json()
    assert created == []
    assert list(spool_dir.iterdir()) == []
