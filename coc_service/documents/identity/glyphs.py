"""The MRZ glyph classifier: a small two-layer perceptron over normalised cell pixels.

Trained from rendered OCR-B (see glyph_training) with numpy, deterministically; the weights
are kept in glyph_model.npz beside this module and rebuilt when missing or out of date.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coc_service.documents.identity.mrz_format import CHARSET
from coc_service.documents.identity.mrz_lines import CELL_H, CELL_W

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("glyph_model.npz")
# Bump when the training data, the features or the network change: the cached model is
# then rebuilt at first use.
MODEL_VERSION = "ocrb-mlp-5"
TRAIN_SEED = 9303
TRAIN_LINES = 3000
HIDDEN = 256


@dataclass
class GlyphClassifier:
    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def log_probs(self, features: np.ndarray) -> np.ndarray:
        """Return log-probabilities (n, 37) over CHARSET for n cell feature rows."""
        x = (features.astype(np.float32) - self.mean) / self.std
        hidden = np.maximum(x @ self.w1 + self.b1, 0)
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, version=np.array(MODEL_VERSION), mean=self.mean,
                            std=self.std, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2)

    @classmethod
    def load(cls, path: Path) -> GlyphClassifier | None:
        try:
            with np.load(path) as data:
                if str(data["version"]) != MODEL_VERSION or data["w1"].shape[0] != CELL_H * CELL_W:
                    return None
                return cls(*(data[k].astype(np.float32)
                             for k in ("mean", "std", "w1", "b1", "w2", "b2")))
        except (OSError, KeyError, ValueError):
            return None


def train(features: np.ndarray, labels: np.ndarray, *, seed: int = TRAIN_SEED,
          epochs: int = 25, batch: int = 256) -> GlyphClassifier:
    """Return a classifier fitted with Adam on (features, labels), class-balanced."""
    from coc_service.documents.glyphs.fit import fit

    params = fit(features.astype(np.float32), labels, len(CHARSET), hidden=HIDDEN,
                 epochs=epochs, batch=batch, seed=seed, smoothing=0.0, dropout=0.0,
                 output_decay=0.0, log=False)
    return GlyphClassifier(*params)


def build_classifier() -> GlyphClassifier:
    """Return a classifier trained from scratch on rendered OCR-B (several minutes on 2 cores;
    the committed glyph_model.npz spares it)."""
    from coc_service.documents.identity.glyph_training import training_set

    features, labels = training_set(TRAIN_SEED, TRAIN_LINES)
    return train(features, labels)


_lock = threading.Lock()
_cached: GlyphClassifier | None = None


def glyph_classifier() -> GlyphClassifier:
    """Return the glyph classifier, loading it from glyph_model.npz or training it once."""
    global _cached
    with _lock:
        if _cached is None:
            model = GlyphClassifier.load(MODEL_PATH)
            if model is None:
                log.info("training the MRZ glyph classifier (no up-to-date %s)", MODEL_PATH.name)
                model = build_classifier()
                try:
                    model.save(MODEL_PATH)
                except OSError:  # a read-only install keeps it in memory only
                    log.warning("could not save %s", MODEL_PATH)
            _cached = model
        return _cached

