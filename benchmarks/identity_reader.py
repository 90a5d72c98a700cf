"""Per-field accuracy and time of the identity reader on generated documents, by difficulty.

    .venv/bin/python benchmarks/identity_reader.py --n 60 [--pipeline] [--visual auto]
        [--tesseract 20] [--json out.json]

Documents come from fixtures/synth/identity.py (every kind in turn, both sides of cards),
degraded by fixtures/synth/degrade.py (clean, mild, hard). By default pages go straight to the
reader (the quarter turns the degradation applied are undone, as page preparation would);
--pipeline sends each upload through the whole document pipeline instead (JPEG or PDF bytes).
--tesseract N also reads N MRZ bands with Tesseract (whitelisted single lines) to compare
with the glyph classifier on the same crops.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread per worker process, as deployed
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import cast

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coc_service.documents.identity import read_identity
from coc_service.documents.identity.fra1988 import derive_expiry
from coc_service.documents.identity.glyphs import glyph_classifier
from coc_service.documents.identity.transliterate import plain_letters
from coc_service.documents.types import Limits, Page
from fixtures.synth.degrade import DIFFICULTIES, Difficulty, degrade
from fixtures.synth.identity import KINDS, generate_identity_pages

FIELDS = ("document_type_code", "issuing_country", "surname", "given_names", "document_number",
          "birth_date", "expiry_date", "sex", "nationality")


def make_upload(i: int, difficulty: Difficulty, seed: int) -> tuple[list, list[int], dict]:
    kind = KINDS[i % len(KINDS)]
    rng = random.Random(f"{seed}-{difficulty}-{i}")
    images, truth = generate_identity_pages(kind, rng)
    degraded, turns = [], []
    for image in images:
        out, record = degrade(image, difficulty, rng, small_document=True)
        degraded.append(out)
        turns.append(record.quarter_turns)
    return degraded, turns, truth


def direct_pages(images: list, turns: list[int]) -> list[Page]:
    pages = []
    for k, (image, turn) in enumerate(zip(images, turns, strict=True)):
        grey = np.asarray(image.convert("L"))
        grey = np.ascontiguousarray(np.rot90(grey, k=turn))  # undo the clockwise turns
        pages.append(Page(index=k + 1, image=grey))
    return pages


def expected(truth: dict, name: str) -> set[str | None]:
    if name in ("surname", "given_names"):
        # As printed, as in the MRZ, or the printed words in MRZ letters (the contract's
        # "transliterated"; it keeps what a truncated MRZ lost).
        return {truth[name], truth[f"{name}_mrz"], plain_letters(truth[name])}
    if name == "expiry_date" and truth["mrz_format"] == "FRA_ID_1988":
        # Exact when the issue date was read on the back; else the earliest legal end.
        birth = date.fromisoformat(truth["birth_date"])
        derived = derive_expiry(truth["document_number"], birth)
        return {truth["expiry_date"], derived.expiry.isoformat() if derived else None}
    return {truth[name]}


def run(args: argparse.Namespace) -> dict:
    glyph_classifier()  # load (or train) once, outside the timings
    limits = Limits()
    report: dict = {"n": args.n, "pipeline": args.pipeline, "visual": args.visual, "levels": {}}
    for difficulty in args.levels:
        difficulty = cast(Difficulty, difficulty)
        hits = dict.fromkeys(FIELDS, 0)
        mrz_exact = all_fields = found = false_valid = visual_names = visual_notes = 0
        times: list[float] = []
        failures: list[str] = []
        for i in range(args.n):
            images, turns, truth = make_upload(i, difficulty, args.seed)
            started = time.perf_counter()
            if args.pipeline:
                fields, mrz_lines, ok, valid = _via_pipeline(images, i)
            else:
                reading = read_identity(direct_pages(images, turns), limits=limits,
                                        visual=args.visual)
                ok = reading is not None
                fields = {k: f.value for k, f in reading.fields.items()} if reading else {}
                mrz_lines = reading.mrz.lines if reading and reading.mrz else None
                valid = bool(reading and reading.mrz and reading.mrz.valid)
                if reading:
                    visual_names += sum(f.source == "visual" for f in reading.fields.values())
                    visual_notes += sum(n.startswith("visual zone") for n in reading.notes)
            times.append(time.perf_counter() - started)
            found += ok
            right = {name: fields.get(name) in expected(truth, name) for name in FIELDS}
            for name, good in right.items():
                hits[name] += good
            all_fields += all(right.values())
            mrz_exact += mrz_lines == truth["mrz_lines"]
            false_valid += valid and mrz_lines != truth["mrz_lines"]
            if not all(right.values()) and len(failures) < args.show:
                wrong = [f"{n}={fields.get(n)!r} (want {truth[n]!r})" for n, g in right.items()
                         if not g]
                failures.append(f"{truth['kind']} #{i}: " + "; ".join(wrong))
        level = {
            "documents": args.n,
            "found": found / args.n,
            "mrz_exact": mrz_exact / args.n,
            "all_fields": all_fields / args.n,
            "false_valid": false_valid / args.n,  # said valid, but wrong: the costly error
            "names_from_visual_zone": visual_names / (2 * args.n),
            "visual_zone_findings_per_document": visual_notes / args.n,
            "fields": {name: hits[name] / args.n for name in FIELDS},
            "mean_ms": 1000 * statistics.mean(times),
            "p95_ms": 1000 * sorted(times)[int(0.95 * (len(times) - 1))],
            "failures": failures,
        }
        report["levels"][difficulty] = level
    if args.tesseract:
        report["tesseract_vs_classifier"] = compare_tesseract(args.tesseract, args.seed)
    if args.speed:
        report["speed_vs_full_page_tesseract"] = compare_speed(args.speed, args.seed, args.visual)
    return report


def compare_speed(n: int, seed: int, visual: str) -> dict:
    """Time the identity reader and a plain full-page Tesseract pass on the same pages."""
    from coc_service.documents import ocr

    ratios, ours, theirs = [], [], []
    for i in range(n):
        images, turns, truth = make_upload(i, "mild", seed + 2)
        pages = direct_pages(images, turns)
        started = time.perf_counter()
        read_identity(pages, limits=Limits(), visual=visual)  # type: ignore[arg-type]
        mine = time.perf_counter() - started
        started = time.perf_counter()
        ocr.read_words(pages[truth["mrz_page"]].image, lang="fra+eng", psm=3)
        full = time.perf_counter() - started
        ours.append(mine)
        theirs.append(full)
        ratios.append(mine / full)
    return {
        "documents": n,
        "identity_median_ms": 1000 * statistics.median(ours),
        "full_page_tesseract_median_ms": 1000 * statistics.median(theirs),
        "ratio_median": statistics.median(ratios),
        "ratio_p95": sorted(ratios)[int(0.95 * (n - 1))],
    }


def _via_pipeline(images: list, i: int) -> tuple[dict, list | None, bool, bool]:
    from coc_service.documents.pipeline import extract_document
    from fixtures.synth.formats import pdf_of_images, save_jpeg

    if len(images) == 1:
        data = save_jpeg(images[0], 80)
    else:
        data = pdf_of_images(images, quality=80, dpi=300)
    result = extract_document(data, file_name=f"id{i}", kind="identity")
    fields = {k: f.value for k, f in result.fields.items()}
    mrz = result.mrz
    return fields, mrz.lines if mrz else None, result.status == "ok", bool(mrz and mrz.valid)


def compare_tesseract(n: int, seed: int) -> dict:
    """Read the same MRZ band crops with the glyph classifier and with Tesseract."""
    from coc_service.documents import ocr
    from coc_service.documents.identity.mrz_lines import find_line_runs, ink_map
    from coc_service.documents.identity.reader import find_mrz

    whitelist = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
    ours = theirs = total = lines_ours = lines_theirs = n_lines = 0
    t_ours = t_theirs = 0.0
    for i in range(n):
        images, turns, truth = make_upload(i, "mild", seed + 1)
        pages = direct_pages(images, turns)
        started = time.perf_counter()
        found = find_mrz(pages, deadline=time.monotonic() + 30)
        t_ours += time.perf_counter() - started
        if found is None:
            total += sum(len(x) for x in truth["mrz_lines"])
            n_lines += len(truth["mrz_lines"])
            continue
        from coc_service.documents.identity.band import warp_band

        x, y, w, h = found.band_box
        quad = np.array([[x - 10, y - 10], [x + w + 10, y - 10], [x + w + 10, y + h + 10],
                         [x - 10, y + h + 10]], dtype=np.float32)
        crop, _ = warp_band(found.page.image, quad, found.char_height)
        runs = find_line_runs(ink_map(crop), 30.0)[-len(truth["mrz_lines"]):]
        started = time.perf_counter()
        read = []
        for run in runs:
            pad = run.height // 3
            text, _ = ocr.read_line(crop[max(0, run.top - pad) : run.bottom + pad],
                                    whitelist=whitelist)
            read.append(text.replace(" ", ""))
        t_theirs += time.perf_counter() - started
        for want, got_ours, got_theirs in zip(truth["mrz_lines"], found.reading.parsed.lines
                                              if len(found.reading.parsed.lines) ==
                                              len(truth["mrz_lines"]) else [""] * 3,
                                              read + [""] * 3, strict=False):
            total += len(want)
            n_lines += 1
            ours += sum(a == b for a, b in zip(want, got_ours, strict=False))
            theirs += sum(a == b for a, b in zip(want, got_theirs, strict=False))
            lines_ours += want == got_ours
            lines_theirs += want == got_theirs
    return {
        "bands": n,
        "char_accuracy": {"classifier": ours / max(total, 1), "tesseract": theirs / max(total, 1)},
        "line_exact": {"classifier": lines_ours / max(n_lines, 1),
                       "tesseract": lines_theirs / max(n_lines, 1)},
        "ms_per_band": {"classifier_incl_locating": 1000 * t_ours / n,
                        "tesseract_lines_only": 1000 * t_theirs / n},
    }


def print_table(report: dict) -> None:
    print(f"identity reader: {report['n']} documents per level, "
          f"{'through the pipeline' if report['pipeline'] else 'pages direct'}, "
          f"visual={report['visual']}")
    header = f"{'level':6} {'found':>6} {'mrz':>6} {'all':>6} {'badvalid':>8} " + " ".join(
        f"{f[:8]:>8}" for f in FIELDS) + f" {'mean ms':>8} {'p95 ms':>7}"
    print(header)
    for name, lv in report["levels"].items():
        print(f"{name:6} {lv['found']:6.1%} {lv['mrz_exact']:6.1%} {lv['all_fields']:6.1%} "
              f"{lv['false_valid']:8.1%} "
              + " ".join(f"{lv['fields'][f]:8.1%}" for f in FIELDS)
              + f" {lv['mean_ms']:8.0f} {lv['p95_ms']:7.0f}")
    for name, lv in report["levels"].items():
        print(f"  {name}: names taken from the visual zone {lv['names_from_visual_zone']:.0%}, "
              f"visual-zone findings per document {lv['visual_zone_findings_per_document']:.2f}")
    for name, lv in report["levels"].items():
        for line in lv["failures"]:
            print(f"  {name}: {line}")
    if "speed_vs_full_page_tesseract" in report:
        print("speed against a plain full-page Tesseract pass on the same page:",
              json.dumps(report["speed_vs_full_page_tesseract"]))
    if "tesseract_vs_classifier" in report:
        print("tesseract vs glyph classifier on the same bands:",
              json.dumps(report["tesseract_vs_classifier"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=48, help="documents per difficulty level")
    parser.add_argument("--levels", nargs="+", default=list(DIFFICULTIES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pipeline", action="store_true")
    parser.add_argument("--visual", default="auto", choices=["auto", "always", "never"])
    parser.add_argument("--tesseract", type=int, default=0)
    parser.add_argument("--speed", type=int, default=0,
                        help="documents timed against a full-page Tesseract pass")
    parser.add_argument("--show", type=int, default=6, help="failures listed per level")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = run(args)
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
