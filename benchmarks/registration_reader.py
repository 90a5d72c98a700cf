"""Registration reader benchmark: per-field accuracy by country and difficulty, and speed.

Generates N certificates per country (fixtures/synth/registration.py), degrades them with the
project's shared degradations (fixtures/synth/degrade.py: clean, mild, hard), saves them as a
customer would (JPEG with EXIF turns, PNG, PDF), prepares the pages exactly as the pipeline does
(coc_service.documents.pipeline.prepare_upload), reads them with `read_registration` and prints
per-field exact-match accuracy, the mean reading time, and its ratio to a plain full-page
`tesseract IMG out -l fra` run on the same prepared page (single-threaded, same process):
`ratio` (wall clock, summed over the documents), `cpu_r` (CPU time, summed) and `cpu_md` (the
median of the per-document CPU ratios). On a shared machine the CPU figures are the stable ones.

    .venv/bin/python benchmarks/registration_reader.py --n 20 [--jobs 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coc_service.documents.errors import DocumentRejected
from coc_service.documents.intake import read_upload
from coc_service.documents.pipeline import prepare_upload
from coc_service.documents.registration import read_registration
from coc_service.documents.types import Limits, Page
from fixtures.synth.degrade import degrade
from fixtures.synth.formats import choose_format, save_upload
from fixtures.synth.registration import COUNTRIES, generate_registration

FIELDS = ("vin", "registration_number", "first_registration_date", "make", "commercial_name",
          "holder_name", "type_approval_number", "certificate_date")
LEVELS = ("clean", "mild", "hard")
SURE = 0.8  # the confidence above which the golden tests hold a value to be right


def _cpu() -> float:
    """Return CPU seconds used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def prepared_pages(country: str, level: str, seed: int) -> tuple[list[Page], dict[str, str]]:
    """Return the pipeline's pages of one generated, degraded and saved certificate."""
    rng = random.Random(f"{country}-{level}-{seed}")
    image, truth = generate_registration(country, rng)
    upload_format = choose_format(rng, level)
    degraded, record = degrade(image, level, rng, small_document=False)  # type: ignore[arg-type]
    saved = save_upload(degraded, upload_format, rng, jpeg_quality=record.jpeg_quality,
                        exif_orientation=record.exif_orientation)
    prepared = prepare_upload(read_upload(saved.data, file_name=f"x.{saved.extension}"),
                              Limits())
    return prepared.pages, truth


def plain_tesseract_seconds(grey: np.ndarray) -> tuple[float, float]:
    """Return (wall, CPU) seconds of `tesseract IMG out -l fra` on the image, single-threaded."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "page.png")
        cv2.imwrite(path, grey)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        wall, cpu = time.perf_counter(), _cpu()
        subprocess.run(["tesseract", path, os.path.join(tmp, "out"), "-l", "fra"],
                       check=True, capture_output=True, env=env)
        return time.perf_counter() - wall, _cpu() - cpu


def _expected(name: str, truth: dict[str, str]) -> str | None:
    return truth.get(name)


def run_one(task: tuple[str, str, int, bool]) -> dict[str, object]:
    """Read one generated certificate and return what matched and how long it took."""
    country, level, seed, timing = task
    pages, truth = prepared_pages(country, level, seed)
    wall, cpu = time.perf_counter(), _cpu()
    error = None
    try:
        reading = read_registration(pages, limits=Limits())
    except DocumentRejected as exc:  # an OCR time bound: counted as a miss, reported
        reading, error = None, exc.code
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    plain = plain_tesseract_seconds(pages[0].image) if timing else None
    got = {k: (f.value if f else None) for k, f in (reading.fields.items() if reading else [])}
    sure = {k for k, f in (reading.fields.items() if reading else []) if f.confidence >= SURE}
    return {
        "country": country, "level": level, "seed": seed, "seconds": wall, "cpu": cpu,
        "error": error, "page_shape": list(pages[0].image.shape),
        "plain": plain[0] if plain else None, "plain_cpu": plain[1] if plain else None,
        "detected": reading is not None, "country_ok": bool(reading and reading.country == country),
        "ok": {name: got.get(name) == _expected(name, truth) for name in FIELDS},
        "sure_wrong": [name for name in FIELDS
                       if name in sure and got.get(name) != _expected(name, truth)],
        "misses": {name: [_expected(name, truth), got.get(name)] for name in FIELDS
                   if got.get(name) != _expected(name, truth)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="certificates per country and level")
    parser.add_argument("--countries", default=",".join(COUNTRIES))
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--no-timing", action="store_true", help="skip the plain tesseract runs")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    tasks = [(c, lvl, i, not args.no_timing) for lvl in args.levels.split(",")
             for c in args.countries.split(",") for i in range(args.n)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_one, tasks))
    table: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for r in results:
        table[(str(r["level"]), str(r["country"]))].append(r)
        table[(str(r["level"]), "ALL")].append(r)
    header = f"{'level':6} {'country':7} {'n':>4} {'doc':>5} {'ctry':>5} " + " ".join(
        f"{f[:10]:>10}" for f in FIELDS) + f" {'mean_s':>7} {'ratio':>6} {'cpu_r':>6} {'cpu_md':>6}"
    print(header)
    summary: dict[str, dict[str, float]] = {}
    for (level, country), rows in sorted(table.items()):
        n = len(rows)
        acc = {f: sum(bool(r["ok"][f]) for r in rows) / n for f in FIELDS}  # type: ignore[index]
        mean_s = sum(float(r["seconds"]) for r in rows) / n  # type: ignore[arg-type]
        timed = [r for r in rows if r["plain"]]
        ratio = cpu_ratio = median_cpu_ratio = float("nan")
        if timed:
            per_doc = sorted(float(r["cpu"]) / float(r["plain_cpu"])  # type: ignore[arg-type]
                             for r in timed)
            median_cpu_ratio = per_doc[len(per_doc) // 2]
            ratio = sum(float(r["seconds"]) for r in timed) / sum(  # type: ignore[arg-type]
                float(r["plain"]) for r in timed)  # type: ignore[arg-type]
            cpu_ratio = sum(float(r["cpu"]) for r in timed) / sum(  # type: ignore[arg-type]
                float(r["plain_cpu"]) for r in timed)  # type: ignore[arg-type]
        detected = sum(bool(r["detected"]) for r in rows) / n
        country_ok = sum(bool(r["country_ok"]) for r in rows) / n
        print(f"{level:6} {country:7} {n:>4} {detected:>5.0%} {country_ok:>5.0%} "
              + " ".join(f"{acc[f]:>10.1%}" for f in FIELDS)
              + f" {mean_s:>7.2f} {ratio:>6.2f} {cpu_ratio:>6.2f} {median_cpu_ratio:>6.2f}")
        summary[f"{level}/{country}"] = {**acc, "document": detected, "country": country_ok,
                                         "mean_seconds": mean_s, "ratio_to_plain": ratio,
                                         "cpu_ratio_to_plain": cpu_ratio,
                                         "median_cpu_ratio_to_plain": median_cpu_ratio, "n": n}
    wrong_sure: dict[str, int] = defaultdict(int)
    for r in results:
        for name in r["sure_wrong"]:  # type: ignore[attr-defined]
            wrong_sure[name] += 1
    print(f"values stated with confidence >= {SURE} that are wrong: "
          + (", ".join(f"{k} {v}" for k, v in sorted(wrong_sure.items())) or "none")
          + f" (of {len(results)} documents)")
    if args.show_misses:
        for r in results:
            if r["misses"]:
                print(r["country"], r["level"], r["seed"], r["misses"], r["error"] or "",
                      r["page_shape"], f"{float(r['seconds']):.1f}s")  # type: ignore[arg-type]
    if args.json:
        summary["confidently_wrong"] = dict(wrong_sure)  # type: ignore[assignment]
        Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
