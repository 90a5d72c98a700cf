from __future__ import annotations

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from coc_service.db import Order
from coc_service.errors import ServiceUnavailable
from coc_service.queue import JOBS, QUEUE_NAMES, JobQueue, enqueue_after_commit, redis_connection


def _queued(redis, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return Queue(name, connection=redis, serializer=JSONSerializer).job_ids


def test_every_job_names_a_known_queue() -> None:
    assert set(QUEUE_NAMES) == {"documents", "orders", "suppliers", "maintenance"}
    for spec in JOBS.values():
        assert spec.queue in QUEUE_NAMES
        assert spec.func.startswith("workers.")


@pytest.mark.db
def test_jobs_are_enqueued_only_after_commit(runtime) -> None:  # type: ignore[no-untyped-def]
    session = runtime.db.session()
    order = Order(reference="COC-Q1", vin="VF3LBBHZHKS123456", make="Peugeot")
    session.add(order)
    session.flush()
    enqueue_after_commit(session, "evaluate_order", order.id)
    assert _queued(runtime.redis, "orders") == []
    session.commit()
    assert _queued(runtime.redis, "orders") == [f"evaluate_order-{order.id}"]
    session.close()


@pytest.mark.db
def test_rolled_back_work_is_never_enqueued(runtime) -> None:  # type: ignore[no-untyped-def]
    session = runtime.db.session()
    enqueue_after_commit(session, "evaluate_order", "some-order")
    session.rollback()
    session.commit()
    assert _queued(runtime.redis, "orders") == []
    session.close()


def test_enqueue_once_skips_a_waiting_job(redis_client) -> None:  # type: ignore[no-untyped-def]
    queue = JobQueue(redis_client)
    first = queue.enqueue_once("process_document", "doc-1", "doc-1")
    second = queue.enqueue_once("process_document", "doc-1", "doc-1")
    assert first == second
    assert _queued(redis_client, "documents") == [first]
    job = queue.queue("documents").fetch_job(first)
    assert job is not None
    assert job.timeout == JOBS["process_document"].timeout_s
    assert job.retries_left == JOBS["process_document"].retries


def test_unreachable_redis_is_a_clear_typed_error() -> None:
    queue = JobQueue(redis_connection("redis://127.0.0.1:1/0"))
    with pytest.raises(ServiceUnavailable, match="Redis unreachable"):
        queue.enqueue("reconcile")
    with pytest.raises(ServiceUnavailable):
        queue.ping()


def test_worker_command_reports_unreachable_redis(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from coc_service.cli import main

    result = CliRunner().invoke(
        main, ["worker", "--burst"],
        env={"COC_VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"},
    )
    assert result.exit_code == 3
    assert "Redis unreachable" in result.output
    assert "Traceback" not in result.output
