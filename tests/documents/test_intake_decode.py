"""Decoding raster uploads: orientation, modes, frames, and bombs refused before decoding."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from coc_service.documents.errors import CorruptFile, TooManyPages, TooManyPixels
from coc_service.documents.raster import apply_exif_orientation, decode_raster
from coc_service.documents.types import Limits
from fixtures.synth.badfiles import png_bomb
from fixtures.synth.formats import save_jpeg

LIMITS = Limits()


def _pattern() -> Image.Image:
    """An asymmetric picture: any wrong turn or mirror changes it."""
    pixels = np.zeros((60, 90, 3), np.uint8)
    pixels[:20, :30] = (250, 20, 20)
    pixels[40:, 70:] = (20, 250, 20)
    pixels[25:35, :] = 128
    return Image.fromarray(pixels, "RGB")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_like_viewers_do(orientation: int) -> None:
    stored = _pattern()
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    stored.save(buffer, "PNG", exif=exif.tobytes())
    (page,) = decode_raster(buffer.getvalue(), "png", LIMITS, colour=True)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(buffer.getvalue()))))
    assert page.color is not None
    assert np.array_equal(page.color[:, :, ::-1], expected)
    assert page.grey.shape == expected.shape[:2]


def test_phone_jpeg_stored_sideways_comes_out_upright() -> None:
    picture = _pattern()
    data = save_jpeg(picture, 95, exif_orientation=6)
    (page,) = decode_raster(data, "jpeg", LIMITS)
    assert page.grey.shape == (60, 90)  # stored as 90 x 60, shown as 60 x 90


def test_transparency_is_paper_not_ink() -> None:
    image = Image.new("RGBA", (30, 20), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    (page,) = decode_raster(buffer.getvalue(), "png", LIMITS)
    assert page.grey.min() == 255


def test_sixteen_bit_scan_is_stretched_to_eight_bits() -> None:
    values = np.linspace(1000, 60000, 40 * 30).reshape(30, 40).astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, "PNG")
    (page,) = decode_raster(buffer.getvalue(), "png", LIMITS)
    assert page.grey.dtype == np.uint8
    assert page.grey.min() == 0 and page.grey.max() == 255


def test_grey_pictures_in_rgb_clothing_carry_no_colour_copy() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (120, 120, 120)).save(buffer, "PNG")
    (page,) = decode_raster(buffer.getvalue(), "png", LIMITS, colour=True)
    assert page.color is None


def test_colour_copy_only_when_asked_for() -> None:
    data = save_jpeg(_pattern(), 95)
    (grey_only,) = decode_raster(data, "jpeg", LIMITS)
    (with_colour,) = decode_raster(data, "jpeg", LIMITS, colour=True)
    assert grey_only.color is None
    assert with_colour.color is not None and with_colour.color.shape == (60, 90, 3)
    # The straight-to-grey JPEG decode gives the same grey as converting the colours.
    difference = np.abs(grey_only.grey.astype(int) - with_colour.grey.astype(int))
    assert float(difference.mean()) < 2


def test_cmyk_jpeg_is_read() -> None:
    buffer = io.BytesIO()
    Image.new("CMYK", (40, 30), (0, 0, 0, 255)).save(buffer, "JPEG")
    (page,) = decode_raster(buffer.getvalue(), "jpeg", LIMITS)
    assert page.grey.max() < 40


def test_heic_photo_is_read() -> None:
    from pillow_heif import from_pillow

    buffer = io.BytesIO()
    from_pillow(_pattern().resize((180, 120))).save(buffer, quality=90)
    (page,) = decode_raster(buffer.getvalue(), "heif", LIMITS)
    assert page.grey.shape == (120, 180)


def test_tiff_frames_are_pages_within_the_bound() -> None:
    frames = [Image.new("L", (20, 20), 255 - 40 * i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    pages = decode_raster(buffer.getvalue(), "tiff", LIMITS)
    assert [p.index for p in pages] == [1, 2, 3]
    assert [int(p.grey[0, 0]) for p in pages] == [255, 215, 175]
    with pytest.raises(TooManyPages):
        decode_raster(buffer.getvalue(), "tiff", Limits(max_pages=2))


def test_pixel_bound_comes_from_limits() -> None:
    buffer = io.BytesIO()
    Image.new("L", (200, 100), 255).save(buffer, "PNG")
    assert decode_raster(buffer.getvalue(), "png", Limits(max_pixels=20_000))
    with pytest.raises(TooManyPixels):
        decode_raster(buffer.getvalue(), "png", Limits(max_pixels=19_999))


def test_pillow_bound_is_restored_after_decoding() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(TooManyPixels):
        decode_raster(png_bomb(3000, 3000), "png", Limits(max_pixels=1_000_000))
    assert before == Image.MAX_IMAGE_PIXELS


def test_truncated_image_is_corrupt() -> None:
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 60).save(buffer, "PNG")
    with pytest.raises(CorruptFile):
        decode_raster(buffer.getvalue()[:2000], "png", LIMITS)


def test_bomb_is_refused_without_decoding_it() -> None:
    """A 144-megapixel PNG (150 KB) must be refused from its header: peak memory stays flat."""
    script = textwrap.dedent(
        """
        import resource
        from coc_service.documents.errors import TooManyPixels
        from coc_service.documents.raster import decode_raster
        from coc_service.documents.types import Limits
        from fixtures.synth.badfiles import png_bomb
        bomb = png_bomb()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            decode_raster(bomb, "png", Limits())
        except TooManyPixels:
            print("refused")
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(after - before)
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True,
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )
    refused, grown = done.stdout.strip().splitlines()[-2:]
    assert refused == "refused"
    grown_kb = int(grown)
    assert grown_kb < 60_000, f"peak memory grew by {grown_kb} KB: the bomb was decoded"


def test_orientation_helper_keeps_identity() -> None:
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert apply_exif_orientation(pixels, 1) is pixels
