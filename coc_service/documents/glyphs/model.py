"""The printed-character classifier: a one-hidden-layer perceptron run with numpy alone.

Its weights are trained offline from many rendered fonts (fixtures/synth/train_vin_glyphs.py)
and committed as vin_glyph_model.npz beside this module; nothing is trained at run time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coc_service.documents.glyphs.cells import FEATURES

MODEL_PATH = Path(__file__).with_name("vin_glyph_model.npz")
# Bump with any change to the cells, the features or the network: a model saved for other
# inputs is then refused instead of giving confident nonsense.
MODEL_VERSION = "vin-glyph-mlp-2"


class GlyphModelError(RuntimeError):
    """The committed model file is missing or was made for other inputs."""


@dataclass
class GlyphModel:
    alphabet: str  # the classes, in column order
    mean: np.ndarray  # (FEATURES,) feature standardisation
    std: np.ndarray
    w1: np.ndarray  # (FEATURES, hidden)
    b1: np.ndarray
    w2: np.ndarray  # (hidden, classes)
    b2: np.ndarray
    temperature: float  # logits are divided by it: calibrated on unseen lines
    fonts: tuple[str, ...] = ()  # the families it was trained on, for the record

    def log_probs(self, features: np.ndarray) -> np.ndarray:
        """Return (n, len(alphabet)) log-probabilities for n feature rows."""
        x = (features.astype(np.float32) - self.mean) / self.std
        # einsum, not @: for 17 rows BLAS's thread pool costs far more than the arithmetic,
        # and on a busy machine (Tesseract on every core) its spinning threads cost more still.
        hidden = np.maximum(np.einsum("ij,jk->ik", x, self.w1) + self.b1, 0)
        logits = (np.einsum("ij,jk->ik", hidden, self.w2) + self.b2) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, version=np.array(MODEL_VERSION), alphabet=np.array(self.alphabet),
            mean=self.mean, std=self.std, w1=self.w1.astype(np.float16), b1=self.b1,
            w2=self.w2.astype(np.float16), b2=self.b2, temperature=np.float32(self.temperature),
            fonts=np.array(self.fonts))

    @classmethod
    def load(cls, path: Path) -> GlyphModel:
        try:
            with np.load(path) as data:
                version = str(data["version"])
                if version != MODEL_VERSION or data["w1"].shape[0] != FEATURES:
                    raise GlyphModelError(f"{path.name} is {version} for "
                                          f"{data['w1'].shape[0]} features, not {MODEL_VERSION}")
                arrays = {k: data[k].astype(np.float32)
                          for k in ("mean", "std", "w1", "b1", "w2", "b2")}
                return cls(alphabet=str(data["alphabet"]), **arrays,
                           temperature=float(data["temperature"]),
                           fonts=tuple(str(f) for f in data["fonts"]))
        except (OSError, KeyError, ValueError) as exc:
            raise GlyphModelError(f"cannot load {path}: {exc}") from exc


_lock = threading.Lock()
_cached: GlyphModel | None = None


def glyph_model() -> GlyphModel:
    """Return the committed classifier, loaded once per process."""
    global _cached
    with _lock:
        if _cached is None:
            _cached = GlyphModel.load(MODEL_PATH)
        return _cached
