"""Training samples for the MRZ glyph classifier: OCR-B lines rendered and degraded.

Lines are drawn in OCR-B (Debian's fonts-ocr-b) with varied size, spacing, stroke weight and
slant, on textured backgrounds with a neighbouring line, then degraded the way uploads are
(blur, noise, JPEG, low resolution, uneven light, slight rotation). Each goes through the very
normalisation the reader uses, and windows are cut at the true character centres (jittered).
Everything is seeded: the same seed gives the same samples.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from coc_service.documents.identity.mrz_format import CHARSET
from coc_service.documents.identity.mrz_lines import (
    cell_features,
    find_line_runs,
    ink_map,
    normalise_line,
)

OCRB_DIR = "/usr/share/fonts/opentype/ocr-b"
_FACES = ("OCRB", "OCRBS")
_ADVANCE = 0.7230  # OCR-B advance width in em


@lru_cache(maxsize=512)
def _glyph(face: str, size: int, char: str) -> tuple[np.ndarray, int, int]:
    """Return a glyph's coverage (0..1), and its offset from the pen position and line top."""
    font = ImageFont.truetype(f"{OCRB_DIR}/{face}.otf", size)
    ascent = font.getbbox("A")[1]
    left, top, right, bottom = font.getbbox(char)
    img = Image.new("L", (int(right - left) + 2, int(bottom - top) + 2), 0)
    ImageDraw.Draw(img).text((-left + 1, -top + 1), char, font=font, fill=255)
    return np.asarray(img, dtype=np.float32) / 255.0, int(left) - 1, int(top - ascent) - 1


def _random_text(rng: np.random.Generator, length: int) -> str:
    chars: list[str] = []
    while len(chars) < length:
        roll = rng.random()
        if roll < 0.12:
            chars.extend("<" * int(rng.integers(1, 6)))
        elif roll < 0.42:
            chars.extend(rng.choice(list(CHARSET[:10]), size=int(rng.integers(2, 8))))
        else:
            chars.extend(rng.choice(list(CHARSET[10:36]), size=int(rng.integers(2, 8))))
    return "".join(chars[:length])


def render_line(rng: np.random.Generator, text: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Return a grey image of `text` with neighbours, the x centre of each character and
    the cap height, all in image pixels."""
    face = _FACES[int(rng.integers(len(_FACES)))]
    size = int(rng.integers(40, 56))
    advance = size * _ADVANCE
    pitch = advance * float(rng.uniform(0.97, 1.15))
    cap = size * 0.72
    gap = cap * float(rng.uniform(1.45, 1.9))  # distance between line tops
    margin = int(pitch * rng.uniform(0.8, 2.0))
    width = int(margin * 2 + pitch * len(text))
    height = int(cap + 2 * gap + 8)
    paper = int(rng.integers(150, 255))
    img = Image.new("L", (width, height), paper)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(0, 8))):  # background guilloche
        shade = int(paper - rng.integers(10, 90))
        y0, amp = rng.uniform(0, height), rng.uniform(2, 20)
        freq, phase = rng.uniform(0.005, 0.05), rng.uniform(0, 6.3)
        xs = np.arange(0, width, 4)
        draw.line(list(zip(xs.tolist(), (y0 + amp * np.sin(freq * xs + phase)).tolist(),
                           strict=True)), fill=max(0, shade), width=int(rng.integers(1, 3)))
    canvas = np.asarray(img, dtype=np.float32).copy()
    ink = float(rng.integers(0, 70))
    top_y = (height - cap) / 2
    centres = margin + pitch * (np.arange(len(text)) + 0.5)
    for row_top, row_text in (
        (top_y, text),
        (top_y - gap, _random_text(rng, len(text))),
        (top_y + gap, _random_text(rng, len(text))),
    ):
        for i, char in enumerate(row_text):
            cover, dx, dy = _glyph(face, size, char)
            x = round(margin + i * pitch + (pitch - advance) / 2 + dx)
            y = round(row_top + dy)
            _paste(canvas, cover, x, y, ink)
    return canvas.astype(np.uint8), centres, cap


def _paste(canvas: np.ndarray, cover: np.ndarray, x: int, y: int, ink: float) -> None:
    h, w = cover.shape
    y0, y1, x0, x1 = max(0, y), min(canvas.shape[0], y + h), max(0, x), min(canvas.shape[1], x + w)
    if y0 >= y1 or x0 >= x1:
        return
    a = cover[y0 - y : y1 - y, x0 - x : x1 - x]
    region = canvas[y0:y1, x0:x1]
    canvas[y0:y1, x0:x1] = region * (1 - a) + ink * a


def degrade(rng: np.random.Generator, grey: np.ndarray, cap: float) -> tuple[np.ndarray, float]:
    """Return the image degraded like a real upload, rescaled so characters are ~30 px high,
    and the factor applied to x coordinates."""
    img: np.ndarray = grey.astype(np.float32)
    if rng.random() < 0.35:  # stroke weight
        k = np.ones((2, 2), np.uint8) if rng.random() < 0.7 else np.ones((3, 3), np.uint8)
        img = cv2.erode(img, k) if rng.random() < 0.6 else cv2.dilate(img, k)
    h, w = img.shape
    if rng.random() < 0.6:  # slight rotation and shear, as left after deskewing
        angle = float(rng.normal(0, 0.6))
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        m[0, 1] += float(rng.normal(0, 0.05))
        img = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.5:  # uneven light
        ramp = np.linspace(float(rng.uniform(0.55, 1.0)), float(rng.uniform(0.8, 1.0)), w)
        img = img * ramp[None, :].astype(np.float32)
    # Resolution the document had in the upload: characters from 9 to 40 px high.
    low = float(rng.choice([rng.uniform(9, 16), rng.uniform(14, 40)]))
    f_low = low / cap
    img = cv2.resize(img, None, fx=f_low, fy=f_low, interpolation=cv2.INTER_AREA)
    sigma = float(rng.choice([0.0, rng.uniform(0.3, 1.0), rng.uniform(0.8, 2.0)]))
    if sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), sigma * low / 30)
    if rng.random() < 0.7:
        img = img + rng.normal(0, float(rng.uniform(2, 16)), img.shape).astype(np.float32)
    out: np.ndarray = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        quality = int(rng.integers(20, 95))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE))
    # The reader warps band crops to ~30 px characters; do the same.
    f_up = 30.0 / low
    out = cv2.resize(out, None, fx=f_up, fy=f_up, interpolation=cv2.INTER_CUBIC)
    return out, f_low * f_up


def line_samples(rng: np.random.Generator, length: int = 44,
                 jitter: float = 0.08) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (features, labels) for one rendered, degraded, normalised training line."""
    text = _random_text(rng, length)
    grey, centres, cap = render_line(rng, text)
    img, factor = degrade(rng, grey, cap)
    centres = centres * factor
    ink = ink_map(img)
    runs = find_line_runs(ink, 30.0)
    mid = img.shape[0] / 2
    runs = [r for r in runs if r.top <= mid <= r.bottom]
    if not runs:
        return None
    strip = normalise_line(ink, runs[0])
    pitch_img = float(np.median(np.diff(centres)))
    pitch = pitch_img * strip.scale
    xs = (centres - strip.x0) * strip.scale
    xs = xs + rng.normal(0, jitter * pitch, len(xs))
    window = pitch * float(rng.uniform(0.95, 1.05))
    feats = cell_features(strip.ink, xs, window)
    labels = np.array([CHARSET.index(c) for c in text])
    return feats, labels


def training_set(seed: int, lines: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (features, labels) from `lines` synthetic lines, deterministic for `seed`."""
    rng = np.random.default_rng(seed)
    feats, labels = [], []
    for _ in range(lines):
        got = line_samples(rng, length=int(rng.integers(30, 45)))
        if got is not None:
            feats.append(got[0])
            labels.append(got[1])
    return np.concatenate(feats), np.concatenate(labels)
