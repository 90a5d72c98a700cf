"""Choose the most likely MRZ reading that satisfies its check digits and field alphabets.

Input is, for every position, a log-probability per character (from the glyph classifier, or
built from a plain text reading with its usual confusions). Field alphabets rule out letters in
dates and digits in names; country codes must be real codes; then an exact dynamic programme
over check-digit residues (mod 10) finds the best assignment for every field check and the
composite check together. A correction that needs implausible characters is refused: the raw
reading is returned with its failing checks, never a "valid" reading made up to fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from coc_service.documents.identity.countries import MRZ_CODES
from coc_service.documents.identity.mrz_format import (
    ALPHABETS,
    CHARSET,
    WEIGHTS,
    CheckSpec,
    MrzLayout,
    char_value,
    overflow_check,
)
from coc_service.documents.identity.mrz_parse import checks_for, failed_checks

NEG = -1e9
# _SHIFT[a, b] gathers a flattened (10, 10) residue table shifted by (a, b), i.e. np.roll on
# both axes in one indexing operation.
_R = np.arange(10)
_SHIFT = np.array([[((_R[:, None] - a) % 10 * 10 + (_R[None, :] - b) % 10).ravel()
                    for b in range(10)] for a in range(10)])
_VALUES = np.array([char_value(c) for c in CHARSET])
_INDEX = {c: i for i, c in enumerate(CHARSET)}

# Characters an OCR engine confuses in OCR-B; used when only a text reading is available.
CONFUSIONS: dict[str, str] = {
    "0": "OQD", "O": "0QD", "Q": "0O", "D": "0O",
    "1": "IL", "I": "1L", "L": "1I",
    "5": "S", "S": "5",
    "8": "B", "B": "8",
    "2": "Z", "Z": "2",
    "6": "G", "G": "6",
    "<": "K", "K": "<",
}


@dataclass
class Correction:
    """The chosen lines, each position's probability, and whether every check holds."""

    lines: list[str]
    confidences: list[list[float]]
    failed_checks: list[str]
    cost: float  # log-probability given up against the unconstrained best reading
    changed: int  # positions where the choice differs from the unconstrained best

    @property
    def valid(self) -> bool:
        return not self.failed_checks


def logp_from_text(lines: list[str], *, swap_cost: float = 2.0, other_cost: float = 9.0) -> (
    list[np.ndarray]
):
    """Return per-position log-probabilities for a plain text reading and its confusions."""
    out = []
    for line in lines:
        table = np.full((len(line), len(CHARSET)), -other_cost)
        for i, char in enumerate(line):
            if char in _INDEX:
                table[i, _INDEX[char]] = 0.0
            for alt in CONFUSIONS.get(char, ""):
                table[i, _INDEX[alt]] = -swap_cost
        out.append(table)
    return out


@lru_cache(maxsize=16)
def _transfer(allowed: str) -> np.ndarray:
    """Return the (37, 37) matrix moving probability onto an alphabet: allowed characters
    keep theirs; a forbidden one passes it to its closest allowed look-alike ('0' -> 'O' in
    a name, 'O' -> '0' in a date), or loses it."""
    out = np.zeros((len(CHARSET), len(CHARSET)))
    for char in allowed:
        out[_INDEX[char], _INDEX[char]] = 1.0
    for char, alts in CONFUSIONS.items():
        if char not in allowed and alts[0] in allowed:
            out[_INDEX[char], _INDEX[alts[0]]] = 1.0
    return out


_CODES = np.array([[_INDEX[c] for c in code] for code in sorted(MRZ_CODES)])


def _masked(layout: MrzLayout, logp: list[np.ndarray]) -> list[np.ndarray]:
    """Return log-probabilities restricted to each position's alphabet and country codes."""
    masked = []
    for line_no, table in enumerate(logp):
        table = np.maximum(np.asarray(table, dtype=float), NEG)
        peak = table.max(axis=1, keepdims=True)
        probs = np.exp(table - peak)
        out = np.empty_like(probs)
        for cls in set(layout.classes[line_no]):
            rows = [i for i, c in enumerate(layout.classes[line_no]) if c == cls]
            out[rows] = probs[rows] @ _transfer(ALPHABETS[cls])
        with np.errstate(divide="ignore"):
            masked.append(np.where(out > 0, np.log(np.maximum(out, 1e-300)) + peak, NEG))
    for span in layout.country_codes:
        table = masked[span.line]
        scores = sum(table[span.start + k, _CODES[:, k]] for k in range(3))
        best = int(np.argmax(scores))
        if scores[best] > NEG / 2:
            for k in range(3):
                keep = table[span.start + k, _CODES[best, k]]
                table[span.start + k, :] = NEG
                table[span.start + k, _CODES[best, k]] = keep
    return masked


def _candidates(row: np.ndarray, top: int, prune: float) -> list[tuple[int, float]]:
    order = np.argsort(-row)[:top]
    best = row[order[0]]
    return [(int(c), float(row[c])) for c in order if row[c] > NEG / 2 and row[c] >= best - prune]


class _Table:
    """Best score per composite residue for one group of positions, rebuilt on demand."""

    def __init__(self, scores: np.ndarray, steps: list[tuple[tuple[int, int], np.ndarray, int]],
                 digit: tuple[int, int] | None, final_choice: np.ndarray,
                 comp_w: dict[tuple[int, int], int]) -> None:
        self.scores = scores  # shape (10,), best score per composite residue
        self._steps = steps  # (position, chosen charset index per state, field weight)
        self._digit = digit
        self._final = final_choice  # residue -> (digit charset index, composite residue before)
        self._comp_w = comp_w

    def rebuild(self, residue: int) -> dict[tuple[int, int], int]:
        idx, cs = (int(v) for v in self._final[residue])
        chosen: dict[tuple[int, int], int] = {}
        fs = int(_VALUES[idx]) if idx >= 0 else 0
        if self._digit is not None:
            chosen[self._digit] = idx
        for pos, choice, wf in reversed(self._steps):
            c = int(choice[fs, cs])
            chosen[pos] = c
            v = int(_VALUES[c])
            fs = (fs - wf * v) % 10
            cs = (cs - self._comp_w.get(pos, 0) * v) % 10
        return chosen


def _field_table(
    spec: CheckSpec | None,
    positions: list[tuple[int, int]],
    digit: tuple[int, int] | None,
    comp_w: dict[tuple[int, int], int],
    cands: dict[tuple[int, int], list[tuple[int, float]]],
) -> _Table:
    """Exact DP over (field residue, composite residue) for one field and its check digit."""
    score = np.full((10, 10), NEG)
    score[0, 0] = 0.0
    steps: list[tuple[tuple[int, int], np.ndarray, int]] = []
    for j, pos in enumerate(positions):
        wf = WEIGHTS[j % 3] if spec is not None else 0
        wc = comp_w.get(pos, 0)
        new = np.full((10, 10), NEG)
        choice = np.full((10, 10), -1)
        for idx, lp in cands[pos]:
            v = int(_VALUES[idx])
            moved = score.ravel()[_SHIFT[wf * v % 10, wc * v % 10]].reshape(10, 10) + lp
            better = moved > new
            new = np.where(better, moved, new)
            choice = np.where(better, idx, choice)
        steps.append((pos, choice, wf))
        score = new
    # Close the field with its check digit: the residue must equal the digit's value.
    final = np.full(10, NEG)
    final_choice = np.full((10, 2), -1)
    if digit is None:
        final = score[0, :].copy()
        final_choice[:, 1] = np.arange(10)
    else:
        wc = comp_w.get(digit, 0)
        for idx, lp in cands[digit]:
            v = int(_VALUES[idx])  # a filler check digit (value 0) stands for an empty field
            totals = score[v, :] + lp  # indexed by the composite residue before the digit
            moved = np.roll(totals, wc * v % 10)
            better = moved > final
            final = np.where(better, moved, final)
            final_choice[better, 0] = idx
            final_choice[better, 1] = np.roll(np.arange(10), wc * v % 10)[better]
    return _Table(final, steps, digit, final_choice, comp_w)


def _solve(
    layout: MrzLayout, masked: list[np.ndarray], checks: list[CheckSpec], top: int, prune: float
) -> dict[tuple[int, int], int] | None:
    composite = checks[-1]
    comp_positions = composite.positions()
    comp_w = {pos: WEIGHTS[k % 3] for k, pos in enumerate(comp_positions)}
    involved = {pos for c in checks for pos in [*c.positions(), c.digit]}
    cands = {pos: _candidates(masked[pos[0]][pos[1]], top, prune) for pos in involved}
    filler = _INDEX["<"]
    for check in checks:
        # A check digit is a digit (an overflow may put it where letters are allowed); a
        # filler is only right for an empty field.
        empty = all(cands[pos][0][0] == filler for pos in check.positions())
        cands[check.digit] = [
            c for c in cands[check.digit] if c[0] < 10 or (c[0] == filler and empty)
        ]
    if any(not c for c in cands.values()):
        return None
    tables = [_field_table(c, c.positions(), c.digit, comp_w, cands) for c in checks[:-1]]
    in_fields = {pos for c in checks[:-1] for pos in [*c.positions(), c.digit]}
    for pos in comp_positions:
        if pos not in in_fields:
            tables.append(_field_table(None, [pos], None, comp_w, cands))
    # Max-plus convolution of the tables over the composite residue.
    total = np.full(10, NEG)
    total[0] = 0.0
    picks: list[np.ndarray] = []
    for table in tables:
        new = np.full(10, NEG)
        pick = np.full(10, -1)
        for a in range(10):
            if total[a] <= NEG / 2:
                continue
            for b in range(10):
                s = total[a] + table.scores[b]
                if s > new[(a + b) % 10]:
                    new[(a + b) % 10] = s
                    pick[(a + b) % 10] = b
        picks.append(pick)
        total = new
    best, best_idx, best_res = NEG, -1, -1
    for idx, lp in cands[composite.digit]:
        v = int(_VALUES[idx])
        if total[v] + lp > best:
            best, best_idx, best_res = total[v] + lp, idx, v
    if best <= NEG / 2:
        return None
    chosen = {composite.digit: best_idx}
    res = best_res
    for table, pick in zip(reversed(tables), reversed(picks), strict=True):
        b = int(pick[res])
        chosen.update(table.rebuild(b))
        res = (res - b) % 10
    return chosen


def _lines_from(masked: list[np.ndarray], chosen: dict[tuple[int, int], int]) -> list[str]:
    lines = []
    for line_no, table in enumerate(masked):
        idx = np.argmax(table, axis=1)
        for (ln, i), c in chosen.items():
            if ln == line_no:
                idx[i] = c
        lines.append("".join(CHARSET[k] for k in idx))
    return lines


def correct_mrz(
    layout: MrzLayout,
    logp: list[np.ndarray],
    *,
    max_cost: float = 14.0,
    top: int = 5,
    prune: float = 10.0,
) -> Correction:
    """Return the best reading of `logp` (one (length, 37) array per line) under `layout`.

    The reading satisfies every check when that costs at most `max_cost` nats against the
    unconstrained best; otherwise the unconstrained best is returned with its failed checks.
    """
    masked = _masked(layout, logp)
    raw_lines = _lines_from(masked, {})
    if not failed_checks(layout, raw_lines):
        # The best reading already passes every check: no constrained search can beat it.
        return _correction(logp, raw_lines, raw_lines, 0.0, layout)
    variants = [checks_for(layout, raw_lines)]
    if layout.name in ("TD1", "TD2"):
        plain = [*layout.checks, layout.composite]
        if variants[0] != plain:
            variants.append(plain)
        else:  # the classifier may have missed the filler that opens an overflow
            forced = list(raw_lines)
            line, at = (0, 14) if layout.name == "TD1" else (1, 9)
            forced[line] = forced[line][:at] + "<" + forced[line][at + 1 :]
            overflow = overflow_check(layout, forced)
            if overflow is not None:
                variants.append([overflow, *layout.checks[1:], layout.composite])
    best_cost, best_chosen = None, None
    raw_score = sum(float(np.max(t, axis=1).sum()) for t in masked)
    for checks in variants:
        chosen = _solve(layout, masked, checks, top, prune)
        if chosen is None:
            continue
        lines = _lines_from(masked, chosen)
        if failed_checks(layout, lines):
            continue  # the variant's structure does not hold on its own output
        cost = raw_score - _score(masked, lines)
        if best_cost is None or cost < best_cost:
            best_cost, best_chosen = cost, lines
    if best_chosen is not None and best_cost is not None and best_cost <= max_cost:
        lines, cost = best_chosen, best_cost
    else:
        lines, cost = raw_lines, 0.0
    return _correction(logp, lines, raw_lines, cost, layout)


def _correction(logp: list[np.ndarray], lines: list[str], raw_lines: list[str], cost: float,
                layout: MrzLayout) -> Correction:
    return Correction(
        lines=lines,
        confidences=_confidences(logp, lines),
        failed_checks=failed_checks(layout, lines),
        cost=cost,
        changed=sum(a != b for la, lb in zip(lines, raw_lines, strict=True)
                    for a, b in zip(la, lb, strict=True)),
    )


def _score(masked: list[np.ndarray], lines: list[str]) -> float:
    return sum(float(t[i, _INDEX[c]]) for t, line in zip(masked, lines, strict=True)
               for i, c in enumerate(line))


def _confidences(logp: list[np.ndarray], lines: list[str]) -> list[list[float]]:
    out = []
    for table, line in zip(logp, lines, strict=True):
        probs = np.exp(np.asarray(table, dtype=float) - np.max(table, axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        out.append([float(probs[i, _INDEX[c]]) for i, c in enumerate(line)])
    return out
