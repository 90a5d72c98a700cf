"""`coc-service worker [QUEUES]`: an RQ worker with the application loaded before forking.

A worker of the `documents` queue alone runs its jobs in its own process, not in a fork per
job: the untrusted part of a document job (decoding and reading the upload) runs in a bounded
child anyway (coc_service/documents/isolation.py), and a long-lived process can keep that
child forked and warmed ahead of the next upload (documents/standby.py), which a fork that
lives for one job cannot. Workers of the other queues fork a work horse per job, as RQ does.
"""

from __future__ import annotations

import importlib

import click
from rq import Queue, SimpleWorker, Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from coc_service import runtime as runtimes
from coc_service.cli.common import friendly_errors, load_runtime
from coc_service.documents import standby
from coc_service.documents.warm_up import prime_standby, warm_up
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
    in_process = set(queues) == {"documents"}
    worker_class = DocumentWorker if in_process else Worker
    worker = worker_class(
        [runtime.queue.queue(name) for name in (queues or QUEUE_NAMES)],
        connection=runtime.redis,
        serializer=JSONSerializer,
    )
    if in_process and runtime.settings.document_standby:
        standby.keep_standby(prime_standby)
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        standby.stop_standby()


class DocumentWorker(SimpleWorker):
    """Runs each job in this process; after each, forks the next upload's standby child (the
    fork costs some 8 ms, spent here rather than in the next job's time)."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        try:
            super().execute_job(job, queue)
        finally:
            standby.replace()
