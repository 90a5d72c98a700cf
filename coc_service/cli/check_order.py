"""`coc-service check-order ORDER.json FILE [FILE ...]`: read each file as the worker would, run
the check catalogue and triage offline (no database, no queue) and print the contract's JSON.

Exit codes: 0 when the order was evaluated (auto_approved or flagged), 2 for a bad ORDER.json
or a missing file, 1 for an internal error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from coc_service.checks.order_facts import OrderError, parse_order


def _fail(code: str, message: str, exit_code: int, **extra: Any) -> NoReturn:
    click.echo(json.dumps({"error": {"code": code, "message": message, **extra}},
                          ensure_ascii=False))
    sys.exit(exit_code)


def _read_order(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail("invalid_order", f"cannot read {path.name}: {type(exc).__name__}", 2)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail("invalid_order", f"{path.name} is not JSON (line {exc.lineno}, column {exc.colno})",
              2)


def evaluate(order_data: Any, files: list[Path]) -> dict[str, Any]:
    """Return the check-order JSON for an ORDER.json object and the files (OrderError when the
    order is invalid)."""
    facts = parse_order(order_data)
    # imported here so that `coc-service check-order` with a bad ORDER.json answers at once,
    # without loading OpenCV and the readers
    from coc_service.checks.catalogue import run_checks
    from coc_service.checks.triage import triage
    from coc_service.documents.pipeline import extract_document

    documents = [extract_document(path, kind="auto") for path in files]
    results = run_checks(facts, documents)
    decision = triage(results)
    return {
        "outcome": decision.outcome,
        "checks": [r.to_json() for r in results],
        "documents": [d.to_json() for d in documents],
        "flagged_by": [r.name for r in decision.reasons],
    }


@click.command(name="check-order")
@click.argument("order_file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pretty", is_flag=True, help="Indent the JSON output.")
def command(order_file: Path, files: tuple[Path, ...], pretty: bool) -> None:
    """Check one order offline: ORDER.json and its uploaded files; prints JSON."""
    order_data = _read_order(order_file)
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        _fail("file_not_found", f"no such file: {', '.join(missing)}", 2)
    try:
        output = evaluate(order_data, list(files))
    except OrderError as exc:
        error = exc.to_json()
        _fail(error.pop("code"), error.pop("message"), 2, **error)
    click.echo(json.dumps(output, ensure_ascii=False, indent=2 if pretty else None))
