"""The one module that owns queue names, job timeouts, retries, failure TTLs and serialisation.

Jobs are named here and enqueued by their dotted path, so `coc_service` never imports `workers`.
Work is enqueued only after the database commit that makes its rows visible: a worker never
finds a row that is not there yet. If Redis is down at that moment nothing is lost: the database
says what is pending and the reconciler enqueues it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

from coc_service.errors import ServiceUnavailable

log = logging.getLogger(__name__)

QUEUE_NAMES = ("documents", "orders", "suppliers", "maintenance")


@dataclass(frozen=True)
class JobSpec:
    func: str  # dotted path of the job function in workers/
    queue: str
    timeout_s: int
    retries: int = 3
    backoff_s: tuple[int, ...] = (10, 60, 300)
    failure_ttl_s: int = 30 * 24 * 3600  # failed jobs stay visible to operators for 30 days
    result_ttl_s: int = 3600


JOBS: dict[str, JobSpec] = {
    "process_document": JobSpec("workers.documents.process_document", "documents", 300),
    "evaluate_order": JobSpec("workers.orders.evaluate_order", "orders", 120),
    "reconcile": JobSpec("workers.maintenance.reconcile", "maintenance", 300, retries=0),
    "apply_retention": JobSpec("workers.maintenance.apply_retention", "maintenance", 1800, 1),
    "send_mail": JobSpec("workers.notifications.send_mail", "orders", 60, 5, (30, 120, 600)),
    "forward_order": JobSpec("workers.suppliers.forward_order", "suppliers", 300),
}


def redis_connection(url: str) -> Redis:
    """Return a Redis client; connects lazily, fails fast when Redis is down."""
    return Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)


class JobQueue:
    """Enqueues named jobs on their queue with their timeout, retries and TTLs."""

    def __init__(
        self, redis: Redis, *, retries: int | None = None, heartbeat_grace_s: float = 120.0
    ) -> None:
        self.redis = redis
        self._retries = retries
        # a started job whose worker has not beaten its heart for this long is dead (RQ beats
        # every 30 s while a job runs)
        self.heartbeat_grace_s = heartbeat_grace_s
        self._queues: dict[str, Queue] = {}

    def queue(self, name: str) -> Queue:
        if name not in QUEUE_NAMES:
            raise KeyError(f"unknown queue {name!r}")
        if name not in self._queues:
            self._queues[name] = Queue(name, connection=self.redis, serializer=JSONSerializer)
        return self._queues[name]

    def enqueue(self, job_name: str, *args: Any, job_id: str | None = None) -> str:
        """Enqueue `job_name` with JSON-serialisable args; return the job id."""
        spec = JOBS[job_name]
        retries = spec.retries if self._retries is None or spec.retries == 0 else self._retries
        # RQ waits interval[i] before retry i, and the last interval past the list's end
        intervals = list(spec.backoff_s[:retries])
        retry = Retry(max=retries, interval=intervals) if retries else None
        try:
            job = self.queue(spec.queue).enqueue_call(
                spec.func,
                args=list(args),
                timeout=spec.timeout_s,
                result_ttl=spec.result_ttl_s,
                failure_ttl=spec.failure_ttl_s,
                job_id=job_id,
                retry=retry,
            )
        except RedisError as exc:
            raise ServiceUnavailable(f"Redis unreachable: {type(exc).__name__}") from exc
        return str(job.id)

    def enqueue_once(self, job_name: str, key: str, *args: Any) -> str:
        """Enqueue unless the same job for `key` is already waiting or running; return its id.

        Jobs are idempotent, so this only saves work; a job whose worker died is enqueued again.
        """
        job_id = f"{job_name}-{key}"
        try:
            existing = Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
        except NoSuchJobError:
            existing = None
        except RedisError as exc:
            raise ServiceUnavailable(f"Redis unreachable: {type(exc).__name__}") from exc
        if existing is not None and self._alive(existing):
            return job_id
        return self.enqueue(job_name, *args, job_id=job_id)

    def _alive(self, job: Job) -> bool:
        status = job.get_status(refresh=False)
        if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
            return True
        beat = job.last_heartbeat or job.started_at
        if status == JobStatus.STARTED and beat is not None:
            beat = beat.replace(tzinfo=UTC) if beat.tzinfo is None else beat
            return (datetime.now(UTC) - beat).total_seconds() < self.heartbeat_grace_s
        return False

    def ping(self) -> None:
        try:
            self.redis.ping()
        except RedisError as exc:
            raise ServiceUnavailable(f"Redis unreachable: {type(exc).__name__}") from exc


def enqueue_after_commit(session: Session, job_name: str, *args: Any) -> None:
    """Enqueue `job_name` once `session` commits; forget it if the session rolls back.

    The same job with the same arguments is not enqueued again while one is waiting or
    running (the arguments are its key: ids and short codes, never personal data).
    """
    if job_name not in JOBS:
        raise KeyError(f"unknown job {job_name!r}")
    session.connection()  # begin the transaction now, so that its rollback is seen
    pending: list[tuple[str, tuple[Any, ...]]] = session.info.setdefault("pending_jobs", [])
    if (job_name, args) not in pending:
        pending.append((job_name, args))
    if not session.info.get("job_hooks"):
        event.listen(session, "after_commit", _flush_pending)
        event.listen(session, "after_soft_rollback", _drop_pending)
        session.info["job_hooks"] = True


def _flush_pending(session: Session) -> None:
    pending = session.info.pop("pending_jobs", [])
    queue: JobQueue | None = session.info.get("job_queue")
    if queue is None:
        if pending:
            log.warning("jobs not enqueued: no queue on the session", extra={"n": len(pending)})
        return
    for job_name, args in pending:
        try:
            if args:
                queue.enqueue_once(job_name, "-".join(str(a) for a in args), *args)
            else:
                queue.enqueue(job_name)
        except ServiceUnavailable:
            # the database already says what is pending: the reconciler will enqueue it again
            log.warning("enqueue failed, left to the reconciler", extra={"job": job_name})


def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("pending_jobs", None)
