"""`coc-service worker documents`: its jobs run in the worker's own process, which keeps a
standby child ready for the next upload; other workers fork a work horse per job."""

from __future__ import annotations

import os

from rq import Queue, Worker
from rq.serializers import JSONSerializer

from coc_service.cli.worker import DocumentWorker
from coc_service.documents import standby
from coc_service.documents.isolation import run_isolated


def _prime() -> None:
    pass


def served_by() -> list[int]:
    """A job: the pid it ran in, and the pid of the child its bounded call went to."""
    return [os.getpid(), run_isolated(os.getpid, timeout_s=30)]


def test_a_documents_worker_runs_its_jobs_here_and_forks_a_standby_after_each(
    redis_client: object,
) -> None:
    queue = Queue("documents", connection=redis_client, serializer=JSONSerializer)
    job = queue.enqueue(f"{__name__}.served_by")
    standby.keep_standby(_prime)
    first = standby.standby_pid()
    try:
        assert standby.wait_primed(10)
        DocumentWorker([queue], connection=redis_client, serializer=JSONSerializer).work(
            burst=True)
        job.refresh()
        # no work horse: run in this process, its reading in the standby
        assert job.return_value() == [os.getpid(), first]
        after = standby.standby_pid()
    finally:
        standby.stop_standby()
    assert after is not None and after != first  # replaced once the job was done


def test_a_worker_of_several_queues_forks_a_horse_per_job(redis_client: object) -> None:
    queue = Queue("orders", connection=redis_client, serializer=JSONSerializer)
    job = queue.enqueue("os.getpid")
    Worker([queue], connection=redis_client, serializer=JSONSerializer).work(burst=True)
    job.refresh()
    assert job.return_value() not in (None, os.getpid())
