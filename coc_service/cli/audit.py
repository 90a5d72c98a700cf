"""`coc-service audit verify`: check the hash chain of the audit log."""

from __future__ import annotations

import sys

import click

from coc_service.cli.common import friendly_errors, load_runtime
from coc_service.privacy.audit import verify_chain


@click.group("audit")
def group() -> None:
    """The append-only audit log."""


@group.command("verify")
@friendly_errors
def verify() -> None:
    """Exit 0 if every event links to the one before and matches its hash, 1 if not."""
    runtime = load_runtime()
    with runtime.db.transaction() as session:
        report = verify_chain(session)
    if report.ok:
        click.echo(f"audit chain OK: {report.checked} events verified")
        return
    click.echo(f"audit chain BROKEN at event {report.first_broken_id}: {report.problem} "
               f"({report.checked} events verified before it)", err=True)
    sys.exit(1)
