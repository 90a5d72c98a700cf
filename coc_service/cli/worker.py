"""`coc-service worker [QUEUES]`: an RQ worker with the application loaded before forking."""

from __future__ import annotations

import importlib

import click
from rq import Worker
from rq.serializers import JSONSerializer

from coc_service import runtime as runtimes
from coc_service.cli.common import friendly_errors, load_runtime
from coc_service.documents.warm_up import warm_up
from coc_service.queue import QUEUE_NAMES

# imported once in the parent so each forked job starts warm (OpenCV, the glyph classifier)
PRELOAD = ("coc_service.documents.pipeline", "coc_service.checks", "workers.documents",
           "workers.orders", "workers.suppliers", "workers.maintenance")


@click.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@friendly_errors
def command(queues: tuple[str, ...], burst: bool) -> None:
    """Process jobs from QUEUES (default: all of documents, orders, suppliers, maintenance)."""
    unknown = [q for q in queues if q not in QUEUE_NAMES]
    if unknown:
        raise click.BadParameter(
            f"unknown queue(s) {', '.join(unknown)}; known: {', '.join(QUEUE_NAMES)}"
        )
    runtime = load_runtime()
    runtime.queue.ping()
    runtime.db.ping()
    for module in PRELOAD:
        importlib.import_module(module)
    warm_up()  # run the pipeline once here: every forked job and decoding child starts warm
    runtime.db.dispose()  # no pooled connection may cross the fork
    runtimes.install(runtime)
    worker = Worker(
        [runtime.queue.queue(name) for name in (queues or QUEUE_NAMES)],
        connection=runtime.redis,
        serializer=JSONSerializer,
    )
    worker.work(burst=burst, with_scheduler=True)
