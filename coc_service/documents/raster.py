"""Decode raster uploads (JPEG, PNG, TIFF, WebP, HEIF) into bounded grey and colour arrays.

Dimensions are checked from the header before any pixel is decoded, so a "bomb" (a tiny file
declaring a gigantic image) is refused without allocating it. This normally runs in the bounded
child process of `coc_service.documents.isolation`.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from coc_service.documents.errors import CorruptFile, TooManyPages, TooManyPixels
from coc_service.documents.types import Limits

# Decoded images larger than this are reduced at once: page preparation never needs more, and
# a 40-megapixel RGB image would otherwise cost several hundred megabytes in copies.
WORKING_MAX_PIXELS = 16_000_000

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "webp": "WEBP"}
_EXIF_ORIENTATION = 0x0112

# Errors Pillow and its plugins raise on malformed data.
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
    RuntimeError,
)


@dataclass
class DecodedImage:
    """One page of an upload as arrays, before any geometry is corrected."""

    index: int  # 1-based page number in the upload
    grey: np.ndarray  # 2-D uint8
    color: np.ndarray | None  # 3-D uint8 BGR, None when the source carries no colour
    dpi: float | None = None  # resolution the source states and we trust (PDF), else None
    source: str = "raster"  # "raster", "pdf-image" (embedded scan), "pdf-render"


@contextmanager
def pillow_pixel_limit(max_pixels: int) -> Iterator[None]:
    """Apply our pixel bound to Pillow's own bomb check for the duration of one decode.

    Pillow keeps the bound in a module global; it is set here, per call path, and restored,
    and its bomb warning is raised as an error like the bomb error itself.
    """
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def decode_raster(
    data: bytes, kind: str, limits: Limits, *, colour: bool = False
) -> list[DecodedImage]:
    """Return every frame of a raster upload as arrays; raise a DocumentRejected if refused.

    Without `colour` only the grey image is made (a JPEG is then decoded straight to grey,
    which skips the colour conversion: the readers work on grey).
    """
    with pillow_pixel_limit(limits.max_pixels):
        image = _open(data, kind, limits)
        frames = _frame_count(image)
        if frames > limits.max_pages:
            raise TooManyPages(
                f"The file has {frames} pages; at most {limits.max_pages} are accepted."
            )
        decoded = []
        for frame in range(frames):
            try:
                image.seek(frame)
            except DECODE_ERRORS as exc:
                raise CorruptFile("The image file is damaged and cannot be read.") from exc
            decoded.append(
                image_to_arrays(image, index=frame + 1, limits=limits, colour=colour)
            )
        return decoded


def _open(data: bytes, kind: str, limits: Limits) -> ImageFile.ImageFile:
    try:
        if kind == "heif":
            # Opened directly rather than by registering a Pillow plugin: no global side effect.
            from pillow_heif import HeifImageFile

            image: ImageFile.ImageFile = HeifImageFile(io.BytesIO(data))
        else:
            image = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(_too_many_pixels_message(limits)) from exc
    except DECODE_ERRORS as exc:
        raise CorruptFile("The image file is damaged and cannot be read.") from exc
    return image


def _frame_count(image: Image.Image) -> int:
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except DECODE_ERRORS as exc:
        raise CorruptFile("The image file is damaged and cannot be read.") from exc


def image_to_arrays(
    image: Image.Image,
    *,
    index: int,
    limits: Limits,
    dpi: float | None = None,
    colour: bool = False,
    exif: bool = True,
) -> DecodedImage:
    """Return a Pillow image (header read, pixels not yet decoded) as bounded arrays; the
    colour copy only when `colour` is asked for and the image has colour. `exif=False` for an
    image inside a PDF, which is drawn as stored whatever its EXIF tag says."""
    width, height = image.size
    if width < 1 or height < 1:
        raise CorruptFile("The image has no pixels.")
    if width * height > limits.max_pixels:
        raise TooManyPixels(_too_many_pixels_message(limits))
    if image.format == "JPEG":
        # DCT scaling decodes a JPEG at 1/2, 1/4 or 1/8 size for almost nothing, and libjpeg
        # can hand over the grey (luma) plane without converting colours at all.
        factor = max(1.0, math.sqrt(width * height / WORKING_MAX_PIXELS))
        target = (int(width / factor), int(height / factor)) if factor > 1 else (width, height)
        image.draft(image.mode if colour else "L", target)
    try:
        image.load()
        # Read after the pixels: for PNG, reading EXIF may load the image itself and Pillow's
        # EXIF reader would swallow a decoding error.
        orientation = _exif_orientation(image) if exif else 1
        rgb = _to_rgb_or_grey(image, colour=colour)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels(_too_many_pixels_message(limits)) from exc
    except MemoryError as exc:
        raise TooManyPixels(_too_many_pixels_message(limits)) from exc
    except DECODE_ERRORS as exc:
        raise CorruptFile("The image file is damaged and cannot be read.") from exc
    grey, color = split_colour(rgb, order="RGB")
    del rgb
    grey = apply_exif_orientation(grey, orientation)
    if color is not None:
        color = apply_exif_orientation(color, orientation)
    return DecodedImage(index=index, grey=grey, color=color, dpi=dpi)


def _to_rgb_or_grey(image: Image.Image, *, colour: bool) -> np.ndarray:
    """Return the pixels as uint8 RGB (when `colour`) or grey, reduced to WORKING_MAX_PIXELS."""
    pixels = image.width * image.height
    if pixels > WORKING_MAX_PIXELS:
        factor = math.ceil(math.sqrt(pixels / WORKING_MAX_PIXELS))
        if image.mode not in ("1", "P", "PA"):
            image = image.reduce(factor)
        else:
            image = image.convert("L" if image.mode == "1" else "RGBA").reduce(factor)
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _stretch_to_uint8(np.asarray(image))
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        # Transparent areas are paper, not black ink.
        rgba = np.asarray(image.convert("RGBA"), dtype=np.uint16)
        alpha = rgba[:, :, 3:4]
        blended = ((rgba[:, :, :3] * alpha + 255 * (255 - alpha)) // 255).astype(np.uint8)
        return blended if colour else cv2.cvtColor(blended, cv2.COLOR_RGB2GRAY)
    if mode == "L":
        return np.asarray(image)  # converting would only copy the pixels
    if mode == "1" or not colour:
        return np.asarray(image.convert("L"))
    return np.asarray(image.convert("RGB"))


def _stretch_to_uint8(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float32)
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.full(values.shape, 255, dtype=np.uint8)
    return ((values - low) * (255.0 / (high - low))).astype(np.uint8)


def split_colour(pixels: np.ndarray, *, order: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (grey, BGR colour or None when the image is grey in all but name).

    `order` says whether a 3-channel input is "RGB" (Pillow) or "BGR" (OpenCV, PDFium).
    """
    if pixels.ndim == 2:
        return np.ascontiguousarray(pixels), None
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY if order == "RGB" else cv2.COLOR_BGR2GRAY)
    step = max(1, int(math.sqrt(pixels.shape[0] * pixels.shape[1] / 250_000)))
    sample = pixels[::step, ::step].astype(np.int16)
    spread = np.abs(sample[:, :, 0] - sample[:, :, 1]) + np.abs(sample[:, :, 1] - sample[:, :, 2])
    if float(np.percentile(spread, 99)) < 12:
        return grey, None
    if order == "BGR":
        return grey, np.ascontiguousarray(pixels)
    return grey, cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)


def _exif_orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except DECODE_ERRORS:
        return 1  # unreadable EXIF is not a reason to refuse the photo
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1


def apply_exif_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Return the pixels as the EXIF orientation tag says they should be displayed."""
    if orientation == 2:
        return np.ascontiguousarray(pixels[:, ::-1])
    if orientation == 3:
        return cv2.rotate(pixels, cv2.ROTATE_180)
    if orientation == 4:
        return np.ascontiguousarray(pixels[::-1])
    if orientation == 5:
        return np.ascontiguousarray(np.swapaxes(pixels, 0, 1))
    if orientation == 6:
        return cv2.rotate(pixels, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.rotate(np.ascontiguousarray(np.swapaxes(pixels, 0, 1)), cv2.ROTATE_180)
    if orientation == 8:
        return cv2.rotate(pixels, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return pixels


def _too_many_pixels_message(limits: Limits) -> str:
    return (
        f"The image is larger than the {limits.max_pixels / 1e6:.0f} megapixels accepted; "
        "please send a smaller photo."
    )
