"""`coc-service retention policy|run`: show the retention table, apply it now or at a given time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from coc_service.cli.common import friendly_errors, load_runtime, load_settings
from coc_service.db.base import utcnow
from coc_service.privacy.policy import load_policy
from coc_service.privacy.retention import RetentionReport, apply_retention

_SHOWN_IDS = 3


def parse_moment(text: str | None) -> datetime:
    """Return the ISO time `text` (UTC when it has no zone), or now."""
    if not text:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("expected an ISO date or time, e.g. 2027-01-31T03:00:00+01:00",
                                 param_hint="--now") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def render(report: RetentionReport) -> list[str]:
    """Return the report as table lines (ids only, never personal data)."""
    verb = "would act on" if report.dry_run else "acted on"
    mode = "dry run" if report.dry_run else "applied"
    lines = [f"retention at {report.now.isoformat()} ({mode})",
             f"{'row':<22} {'then':<10} {'keep':<5} {'count':>6}  ids"]
    for row in report.rows:
        ids = ", ".join(row.ids[:_SHOWN_IDS])
        if len(row.ids) > _SHOWN_IDS:
            ids += f", … (+{len(row.ids) - _SHOWN_IDS})"
        lines.append(f"{row.key:<22} {row.action:<10} {row.keep_for:<5} {row.count:>6}  {ids}")
    lines.append(f"total: {verb} {report.total}")
    return lines


@click.group("retention")
def group() -> None:
    """Retention policy: what is kept, how long, and applying it."""


@group.command("policy")
@friendly_errors
def policy() -> None:
    """Print the retention table in force (defaults plus COC_RETENTION_POLICY_FILE)."""
    for row in load_policy(load_settings().retention_policy_file).as_table():
        click.echo(f"{row['key']}: {row['keeps']}")
        click.echo(f"    kept {row['keep_for']} from {row['from']}, then {row['then']}")
        click.echo(f"    why: {row['why']}")


@group.command("run")
@click.option("--dry-run", is_flag=True, help="Report what would be done; change nothing.")
@click.option("--now", "now_text", metavar="ISO",
              help="Apply the policy as if it were this moment (default: now).")
@friendly_errors
def run(dry_run: bool, now_text: str | None) -> None:
    """Apply every retention row once (idempotent) and print what was done or would be."""
    now = parse_moment(now_text)
    if not dry_run and now > utcnow() + timedelta(minutes=1):
        # a run "in the future" would erase data before its period ends (the legal archive too)
        raise click.UsageError("a --now in the future is only allowed with --dry-run")
    runtime = load_runtime()
    session = runtime.db.session()
    try:
        report = apply_retention(session, runtime, now=now, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    for line in render(report):
        click.echo(line)
    if report.failed:
        # each failed item was rolled back on its own and is retried by the next pass
        for key, ids in report.failed.items():
            click.echo(f"failed: {key}: {', '.join(ids)}", err=True)
        raise click.exceptions.Exit(1)
