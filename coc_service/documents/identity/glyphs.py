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
    rng = np.random.default_rng(seed)
    x = features.astype(np.float32)
    mean = x.mean(axis=0)
    std = x.std(axis=0) + 0.05
    x = (x - mean) / std
    classes = len(CHARSET)
    counts = np.bincount(labels, minlength=classes).astype(np.float32)
    weights = (counts.mean() / np.maximum(counts, 1.0)) ** 0.5
    params = [
        (rng.standard_normal((x.shape[1], HIDDEN)) * np.sqrt(2 / x.shape[1])).astype(np.float32),
        np.zeros(HIDDEN, np.float32),
        (rng.standard_normal((HIDDEN, classes)) * np.sqrt(1 / HIDDEN)).astype(np.float32),
        np.zeros(classes, np.float32),
    ]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    step, n = 0, len(x)
    for epoch in range(epochs):
        lr = 2e-3 * 0.5 * (1 + np.cos(np.pi * epoch / epochs))
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            xb, yb = x[idx], labels[idx]
            w1, b1, w2, b2 = params
            pre = xb @ w1 + b1
            hid = np.maximum(pre, 0)
            logits = hid @ w2 + b2
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            sample_w = weights[yb][:, None] / len(idx)
            grad_logits = prob
            grad_logits[np.arange(len(idx)), yb] -= 1
            grad_logits *= sample_w
            grads = [None, None, hid.T @ grad_logits, grad_logits.sum(axis=0)]
            grad_hid = (grad_logits @ w2.T) * (pre > 0)
            grads[0] = xb.T @ grad_hid + 1e-4 * w1
            grads[1] = grad_hid.sum(axis=0)
            step += 1
            for k, g in enumerate(grads):
                moments[k] = 0.9 * moments[k] + 0.1 * g
                squares[k] = 0.999 * squares[k] + 0.001 * g * g
                m_hat = moments[k] / (1 - 0.9**step)
                v_hat = squares[k] / (1 - 0.999**step)
                params[k] -= (lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
    return GlyphClassifier(mean.astype(np.float32), std.astype(np.float32), *params)


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

