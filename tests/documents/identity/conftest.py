"""Generated identity documents as pages, clean or degraded, for the identity reader's tests."""

from __future__ import annotations

import random
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from coc_service.documents.types import Page
from fixtures.synth.degrade import add_noise, blur, jpeg_roundtrip, to_array
from fixtures.synth.identity import generate_identity_pages

MakePages = Callable[..., tuple[list[Page], dict]]


def grey_page(pixels: np.ndarray, index: int) -> Page:
    grey = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    return Page(index=index, image=np.ascontiguousarray(grey))


def soften(pixels: np.ndarray, rng: random.Random, *, sigma: float, noise: float,
           quality: int, scale: float = 1.0, tilt: float = 0.0) -> np.ndarray:
    """Return an RGB image blurred, scaled, tilted, noisy and JPEG-compressed."""
    out = blur(pixels, sigma)
    if scale != 1.0:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if tilt:
        h, w = out.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), tilt, 1.0)
        out = cv2.warpAffine(out, m, (w, h), borderMode=cv2.BORDER_CONSTANT,
                             borderValue=(255, 255, 255))
    out = add_noise(out, noise, np.random.default_rng(rng.getrandbits(32)))
    return jpeg_roundtrip(out, quality)


@pytest.fixture
def make_pages() -> MakePages:
    """Return a factory: (kind, seed, level) -> (pages, truth); level clean, mild or hard."""

    def factory(kind: str, seed: int, level: str = "clean") -> tuple[list[Page], dict]:
        rng = random.Random(f"{kind}-{seed}")
        images, truth = generate_identity_pages(kind, rng)
        pages = []
        for k, image in enumerate(images):
            pixels = to_array(image)
            if level == "mild":
                pixels = soften(pixels, rng, sigma=0.7, noise=4, quality=70,
                                scale=rng.uniform(0.75, 0.95), tilt=rng.uniform(-2, 2))
            elif level == "hard":
                pixels = soften(pixels, rng, sigma=1.2, noise=8, quality=40,
                                scale=rng.uniform(0.55, 0.7), tilt=rng.uniform(-4, 4))
            pages.append(grey_page(pixels, k + 1))
        return pages, truth

    return factory
