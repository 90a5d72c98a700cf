"""Fit a one-hidden-layer perceptron with numpy (Adam, cosine schedule), deterministically.

The one trainer of the project's glyph classifiers: the MRZ's OCR-B classifier
(coc_service.documents.identity.glyphs, trained when its weights file is missing) and the
printed-VIN classifier (fixtures/synth/train_vin_glyphs.py). The service otherwise only loads
the weights they saved.
"""

from __future__ import annotations

import time

import numpy as np


def fit(features: np.ndarray, labels: np.ndarray, classes: int, *, hidden: int = 256,
        epochs: int = 30, batch: int = 256, seed: int = 3779, smoothing: float = 0.05,
        dropout: float = 0.1, output_decay: float = 1e-4, log: bool = True
        ) -> tuple[np.ndarray, ...]:
    """Return (mean, std, w1, b1, w2, b2) fitted on the rows, classes weighted evenly.

    `smoothing` spreads that much of each target over all classes, `dropout` blanks that share
    of the inputs of every batch, `output_decay` is the second layer's weight decay (the first
    layer's is always 1e-4); zeros give a plain class-balanced cross-entropy fit.
    """
    rng = np.random.default_rng(seed)
    mean = features.mean(axis=0)
    std = features.std(axis=0) + 0.05
    x = ((features - mean) / std).astype(np.float32)
    counts = np.bincount(labels, minlength=classes).astype(np.float32)
    class_w = (counts.mean() / np.maximum(counts, 1.0)) ** 0.5
    params = [
        (rng.standard_normal((x.shape[1], hidden)) * np.sqrt(2 / x.shape[1])).astype(np.float32),
        np.zeros(hidden, np.float32),
        (rng.standard_normal((hidden, classes)) * np.sqrt(1 / hidden)).astype(np.float32),
        np.zeros(classes, np.float32),
    ]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    step, n, start = 0, len(x), time.time()
    for epoch in range(epochs):
        lr = 2e-3 * 0.5 * (1 + np.cos(np.pi * epoch / epochs))
        order = rng.permutation(n)
        total = 0.0
        for first in range(0, n, batch):
            idx = order[first : first + batch]
            xb, yb = x[idx], labels[idx]
            if dropout:
                # A cell with a stroke lost or a speck added is still that character.
                xb = xb * (rng.random(xb.shape, dtype=np.float32) > dropout) / (1 - dropout)
            w1, b1, w2, b2 = params
            pre = xb @ w1 + b1
            hid = np.maximum(pre, 0)
            logits = hid @ w2 + b2
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            target = np.full_like(prob, smoothing / classes)
            target[np.arange(len(idx)), yb] += 1 - smoothing
            sample_w = class_w[yb][:, None] / len(idx)
            total += float(-(sample_w * target * np.log(prob + 1e-9)).sum()) * len(idx)
            grad_logits = (prob - target) * sample_w
            grad_hid = (grad_logits @ w2.T) * (pre > 0)
            grads = [xb.T @ grad_hid + 1e-4 * w1, grad_hid.sum(axis=0),
                     hid.T @ grad_logits + output_decay * w2, grad_logits.sum(axis=0)]
            step += 1
            for k, g in enumerate(grads):
                moments[k] = 0.9 * moments[k] + 0.1 * g
                squares[k] = 0.999 * squares[k] + 0.001 * g * g
                m_hat = moments[k] / (1 - 0.9**step)
                v_hat = squares[k] / (1 - 0.999**step)
                params[k] -= (lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
        if log:
            print(f"  epoch {epoch + 1:2d}/{epochs} loss {total / n:.4f} "
                  f"({time.time() - start:.0f} s)", flush=True)
    return (mean.astype(np.float32), std.astype(np.float32), *params)
