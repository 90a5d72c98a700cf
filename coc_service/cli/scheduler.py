"""`coc-service scheduler`: periodic jobs (the reconciler every minute, retention daily)."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

import click

from coc_service.cli.common import friendly_errors, load_runtime
from coc_service.errors import ServiceUnavailable
from coc_service.queue import JobQueue


@dataclass(frozen=True)
class Periodic:
    job: str
    every_s: int
    at_hour: int | None = None  # for daily jobs: the UTC hour they run at


SCHEDULE = (Periodic("reconcile", 60), Periodic("apply_retention", 86400, at_hour=3))


def due(periodic: Periodic, now: datetime) -> str | None:
    """Return the slot key for `periodic` if it is due at `now`, else None."""
    if periodic.at_hour is not None:
        if now.hour != periodic.at_hour:
            return None
        return now.strftime("%Y-%m-%d")
    return str(int(now.timestamp()) // periodic.every_s)


def tick(queue: JobQueue, now: datetime) -> list[str]:
    """Enqueue every periodic job due at `now` once across all schedulers; return their names."""
    fired = []
    for periodic in SCHEDULE:
        slot = due(periodic, now)
        if slot is None:
            continue
        # several schedulers may run: the first to claim the slot in Redis enqueues
        if queue.redis.set(f"coc:scheduler:{periodic.job}:{slot}", "1", nx=True, ex=2 * 86400):
            queue.enqueue(periodic.job)
            fired.append(periodic.job)
    return fired


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Enqueue what is due now and exit.")
@friendly_errors
def command(once: bool) -> None:
    """Enqueue periodic maintenance jobs until stopped."""
    runtime = load_runtime()
    runtime.queue.ping()
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo("scheduler started: reconcile every minute, retention daily at 03:00 UTC")
    while True:
        try:
            for job in tick(runtime.queue, datetime.now(UTC)):
                click.echo(f"enqueued {job}")
        except ServiceUnavailable as exc:
            click.echo(f"scheduler: {exc}; trying again in a minute", err=True)
        if once or stopping:
            return
        for _ in range(20):
            if stopping:
                return
            time.sleep(1)
