"""Triage accuracy: generated orders, consistent or with one planted problem, run through the
document pipeline and the check catalogue. The figure that matters: planted problems that were
auto-approved (target 0); then outcome accuracy and false flags.

Each order is built from synthetic scans (fixtures/synth identity and registration generators,
degraded like real uploads); the ORDER.json is derived from the documents' ground truth, then
one problem is planted (a VIN typo, another person's ID, an expired ID, ...).

    .venv/bin/python benchmarks/triage_accuracy.py --count 120 --seed 7 --jobs 2 [--level mild]
        [--reader pipeline|truth] [--json out.json]

`--reader truth` skips OCR and feeds the ground truth to the checks: any planted problem
auto-approved then is a gap in the checks themselves, not in the reading.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import luhn

from coc_service.checks.catalogue import run_checks
from coc_service.checks.triage import triage
from coc_service.documents.types import ExtractionResult, Field, MrzReading
from coc_service.vehicles.makes import all_makes, are_siblings
from fixtures.synth import registration as synth_registration
from fixtures.synth.degrade import degrade
from fixtures.synth.formats import choose_format, pdf_of_images, save_upload
from fixtures.synth.identity import KINDS, generate_identity_pages

# planted problem -> the check expected to stop it
PLANTED = {
    "vin_typo": "vin_match", "other_vin": "vin_match",
    "wrong_date": "first_registration_date_match", "other_make": "make_match",
    "expired_id": "id_not_expired", "other_person": "name_match",
    "invalid_siren": "siren_valid", "invalid_vat": "vat_valid", "bad_email": "contact_valid",
    "no_registration": "document_types", "registration_twice": "document_types",
    "unreadable_scan": "documents_readable", "individual_approval": "coc_eligible",
}
# one cycle of case kinds: every planted problem once, and 7 consistent orders (2 companies)
CYCLE = [*PLANTED, "consistent", "consistent", "consistent", "consistent", "consistent",
         "consistent_company", "consistent_company"]
OTHER_NAMES = [("Paul", "Durand"), ("Sophie", "Marchand"), ("Karim", "Benali"),
               ("Ingrid", "Olsen"), ("Tomás", "Herrera"), ("Yuki", "Tanaka")]
TODAY = date(2026, 11, 22)
ALIASES = {"Volkswagen": "VW", "Mercedes-Benz": "Mercedes", "Citroën": "Citroen",
           "Škoda": "Skoda", "Alfa Romeo": "alfa romeo"}


def _siren(rng: random.Random) -> str:
    body = f"{rng.randint(10_000_000, 99_999_999)}"
    return body + luhn.calc_check_digit(body)


def _vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def _typed(name: str, rng: random.Random) -> str:
    """Return a name as a customer types it: title case, sometimes without accents."""
    text = name.title() if rng.random() < 0.7 else name
    if rng.random() < 0.3:
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return text


def _registration(country: str, rng: random.Random, *, approval: str | None) -> tuple[Image.Image,
                                                                                     dict]:
    """Return a registration image and truth; `approval` replaces K (individual approvals)."""
    if approval is None:
        return synth_registration.generate_registration(country, rng)
    original = synth_registration.make_values

    def with_k(c: str, r: random.Random, **options: Any) -> tuple[dict[str, str],
                                                                  dict[str, str]]:
        printed, truth = original(c, r, **options)
        printed["K"], truth["type_approval_number"] = approval, approval
        return printed, truth

    synth_registration.make_values = with_k  # type: ignore[assignment]
    try:
        return synth_registration.generate_registration(country, rng)
    finally:
        synth_registration.make_values = original  # type: ignore[assignment]


def _upload(images: list[Image.Image], rng: random.Random, level: str, *, small: bool) -> tuple[
        bytes, str]:
    degraded = [degrade(img, level, rng, small_document=small) for img in images]  # type: ignore[arg-type]
    if len(degraded) > 1:
        return pdf_of_images([d[0] for d in degraded], degraded[0][1].jpeg_quality, 300), "pdf"
    image, record = degraded[0]
    saved = save_upload(image, choose_format(rng, level), rng, jpeg_quality=record.jpeg_quality,
                        exif_orientation=record.exif_orientation)
    return saved.data, saved.extension


def build_case(index: int, seed: int, level: str) -> dict[str, Any]:
    """Return one order: its kind, ORDER.json, uploads (name, bytes) and document truths."""
    rng = random.Random(seed * 100_003 + index)
    kind = CYCLE[index % len(CYCLE)]
    id_kind = rng.choice(KINDS)
    pages, id_truth = generate_identity_pages(id_kind, rng)
    expiry = date.fromisoformat(id_truth["expiry_date"])
    country = "FRA" if rng.random() < 0.7 else rng.choice(synth_registration.COUNTRIES)
    k = rng.choice(["", "RTI 0412 2019", "NON"]) if kind == "individual_approval" else None
    reg_image, reg_truth = _registration(country, rng, approval=k)
    given = id_truth["given_names"].split()
    make = reg_truth["make"]
    order: dict[str, Any] = {
        "customer": {"first_name": _typed(given[0], rng),
                     "last_name": _typed(id_truth["surname"], rng),
                     "email": f"client{index}@example.fr", "phone": "+336" + f"{index:08d}",
                     "company_name": None, "siren": None, "vat_number": None},
        "vehicle": {"vin": reg_truth["vin"] if rng.random() < 0.8 else reg_truth["vin"].lower(),
                    "first_registration_date": reg_truth["first_registration_date"],
                    "make": ALIASES.get(make, make) if rng.random() < 0.5 else make},
        "submitted_at": min(TODAY, expiry - timedelta(days=rng.randint(40, 900))).isoformat(),
    }
    customer, vehicle = order["customer"], order["vehicle"]
    if kind in ("consistent_company", "invalid_siren", "invalid_vat"):
        siren = _siren(rng)
        customer.update(company_name=f"Transports {customer['last_name']}", siren=siren,
                        vat_number=_vat(siren))
        if kind == "invalid_siren":
            customer["siren"] = siren[:8] + str((int(siren[8]) + rng.randint(1, 9)) % 10)
        if kind == "invalid_vat":
            customer["vat_number"] = _vat(siren)[:2] + f"{(int(_vat(siren)[2:4]) + 1) % 97:02d}" \
                + siren
    vin = reg_truth["vin"]
    if kind == "vin_typo":
        i = rng.randrange(3, 17)
        vehicle["vin"] = vin[:i] + rng.choice([c for c in "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
                                               if c != vin[i]]) + vin[i + 1:]
    elif kind == "other_vin":
        vehicle["vin"] = synth_registration.make_vin(vin[:3], 2015, rng)
    elif kind == "wrong_date":
        shifted = date.fromisoformat(reg_truth["first_registration_date"]) + timedelta(
            days=rng.choice([-400, -31, -1, 1, 30, 365]))
        vehicle["first_registration_date"] = shifted.isoformat()
    elif kind == "other_make":
        vehicle["make"] = rng.choice([m for m in all_makes() if not are_siblings(m, make)
                                      and m in ("Peugeot", "Renault", "Toyota", "Ford", "Kia",
                                                "Volkswagen", "BMW", "Fiat", "Volvo")])
    elif kind == "expired_id":
        order["submitted_at"] = (expiry + timedelta(days=rng.randint(1, 700))).isoformat()
    elif kind == "other_person":
        customer["first_name"], customer["last_name"] = rng.choice(OTHER_NAMES)
    elif kind == "bad_email":
        customer["email"] = rng.choice(["client.example.fr", "client@", "client@@example.fr",
                                        "client@example", "client @example.fr"])
    both_sides = rng.random() < 0.3
    id_pages = pages if both_sides else [pages[id_truth["mrz_page"]]]
    if kind == "unreadable_scan":
        id_pages = [id_pages[-1].resize((90, 60)).filter(ImageFilter.GaussianBlur(3))]
    id_bytes, id_ext = _upload(id_pages, rng, level, small=True)
    reg_bytes, reg_ext = _upload([reg_image], rng, level, small=False)
    files = [(f"identity.{id_ext}", id_bytes), (f"registration.{reg_ext}", reg_bytes)]
    if kind == "no_registration":
        files = files[:1]
    elif kind == "registration_twice":
        files = [(f"identity.{reg_ext}", reg_bytes), files[1]]
    return {"index": index, "kind": kind, "id_kind": id_kind, "country": country,
            "order": order, "files": files, "truths": {"identity": id_truth,
                                                       "registration": reg_truth}}


def _truth_reading(case: dict[str, Any], name: str) -> ExtractionResult:
    """Return what a perfect reader would give for one uploaded file (the --reader truth mode)."""
    kind = case["kind"]
    as_registration = name.startswith("registration") or kind == "registration_twice"
    if kind == "unreadable_scan" and name.startswith("identity"):
        return ExtractionResult(file=name, status="unreadable")
    truth = case["truths"]["registration" if as_registration else "identity"]
    skip = {"kind", "document_type", "country", "mrz_format", "mrz_lines", "mrz_box",
            "mrz_page", "surname_mrz", "given_names_mrz"}
    fields = {k: Field(value=str(v), confidence=0.95, page=1) for k, v in truth.items()
              if k not in skip and v is not None}
    mrz = None if as_registration else MrzReading(format=truth["mrz_format"],
                                                  lines=truth["mrz_lines"], valid=True)
    return ExtractionResult(file=name, status="ok", document_type=truth["document_type"],
                            country=truth["country"], pages=1, fields=fields, mrz=mrz)


def run_case(args: tuple[int, int, str, str]) -> dict[str, Any]:
    """Build and evaluate one order; return its outcome and what decided it."""
    index, seed, level, reader = args
    case = build_case(index, seed, level)
    started = time.perf_counter()
    if reader == "truth":
        documents = [_truth_reading(case, name) for name, _ in case["files"]]
    else:
        from coc_service.documents.pipeline import extract_document

        with tempfile.TemporaryDirectory() as folder:
            documents = []
            for name, data in case["files"]:
                path = Path(folder) / name
                path.write_bytes(data)
                documents.append(extract_document(path, kind="auto"))
    results = run_checks(case["order"], documents)
    decision = triage(results)
    expected_check = PLANTED.get(case["kind"])
    return {
        "index": index, "kind": case["kind"], "id_kind": case["id_kind"],
        "country": case["country"], "outcome": decision.outcome,
        "expected": "auto_approved" if case["kind"].startswith("consistent") else "flagged",
        "flagged_by": [f"{r.name}:{r.reason}" for r in decision.reasons],
        "expected_check_flagged": expected_check is None or any(
            r.name == expected_check for r in decision.reasons),
        "seconds": round(time.perf_counter() - started, 2),
    }


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Print the table and return the figures as a dict."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    print(f"{'kind':<22}{'n':>4}{'flagged':>9}{'approved':>10}{'right check':>13}")
    for kind in [*PLANTED, "consistent", "consistent_company"]:
        group = by_kind.get(kind, [])
        flagged = sum(r["outcome"] == "flagged" for r in group)
        right = sum(r["expected_check_flagged"] for r in group)
        print(f"{kind:<22}{len(group):>4}{flagged:>9}{len(group) - flagged:>10}"
              f"{right if kind in PLANTED else '-':>13}")
    planted = [r for r in rows if r["expected"] == "flagged"]
    clean = [r for r in rows if r["expected"] == "auto_approved"]
    wrongly_approved = [r for r in planted if r["outcome"] == "auto_approved"]
    false_flags = [r for r in clean if r["outcome"] == "flagged"]
    correct = sum(r["outcome"] == r["expected"] for r in rows)
    causes = Counter(reason for r in false_flags for reason in r["flagged_by"])
    figures = {
        "orders": len(rows), "accuracy": round(correct / max(1, len(rows)), 4),
        "planted": len(planted), "planted_auto_approved": len(wrongly_approved),
        "planted_auto_approved_cases": [(r["index"], r["kind"]) for r in wrongly_approved],
        "consistent": len(clean), "false_flags": len(false_flags),
        "false_flag_causes": dict(causes.most_common()),
        "right_check_rate": round(sum(r["expected_check_flagged"] for r in planted)
                                  / max(1, len(planted)), 4),
        "mean_seconds_per_order": round(sum(r["seconds"] for r in rows) / max(1, len(rows)), 2),
    }
    print(f"\noutcome accuracy {figures['accuracy']:.1%} over {len(rows)} orders; planted "
          f"problems auto-approved: {len(wrongly_approved)} of {len(planted)}; false flags: "
          f"{len(false_flags)} of {len(clean)}")
    if causes:
        print("false flags by check:", ", ".join(f"{k} ×{v}" for k, v in causes.most_common()))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--level", choices=("clean", "mild", "hard"), default="mild")
    parser.add_argument("--reader", choices=("pipeline", "truth"), default="pipeline")
    parser.add_argument("--json", type=Path, help="also write the figures and rows here")
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    tasks = [(i, args.seed, args.level, args.reader) for i in range(args.count)]
    started = time.perf_counter()
    rows = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for row in pool.map(run_case, tasks):
            rows.append(row)
            mark = "ok " if row["outcome"] == row["expected"] else "BAD"
            print(f"{mark} {row['index']:>4} {row['kind']:<20} {row['outcome']:<14} "
                  f"{row['seconds']:>6.1f}s {' '.join(row['flagged_by'])}", file=sys.stderr)
    figures = report(rows)
    figures.update(level=args.level, reader=args.reader, seed=args.seed,
                   wall_seconds=round(time.perf_counter() - started, 1))
    print(json.dumps(figures, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "rows": rows}, indent=1,
                                        ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
