"""The processing chain with real Redis, real worker processes and both databases."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from coc_service.db import CheckResult, Order, OrderTransition
from coc_service.orders.lifecycle import OrderStatus
from coc_service.orders.reconcile import reconcile
from tests.integration.conftest import LiveEnv, place_order

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.ocr, pytest.mark.db]

# auto-approved orders go on to the supplier in the same burst
SETTLED = {OrderStatus.FORWARDED.value, OrderStatus.NEEDS_REVIEW.value}


def _snapshot(live: LiveEnv) -> dict[str, object]:
    with live.runtime.db.transaction() as session:
        statuses = dict(session.execute(select(Order.id, Order.status)).all())
        moves = Counter(
            (o, t) for o, t in session.execute(
                select(OrderTransition.order_id, OrderTransition.to_status))
        )
        checks = session.scalar(select(func.count()).select_from(CheckResult))
    return {"statuses": statuses, "moves": moves, "checks": checks}


def _reconcile(live: LiveEnv) -> dict[str, int]:
    with live.runtime.db.transaction() as session:
        return reconcile(session, stuck_after=timedelta(0)).as_dict()


def test_submitted_order_is_auto_approved_and_forwarded(live: LiveEnv) -> None:
    order_id = place_order(live.runtime, seed=11)
    live.run_worker_burst()
    with live.runtime.db.transaction() as session:
        order = session.get(Order, order_id)
        assert order is not None
        names = {c.name: c.status for c in order.checks}
        assert order.status == "forwarded", names
        assert names["vin_match"] == "pass"
        assert names["document_types"] == "pass"
        assert [t.to_status for t in order.transitions] == [
            "draft", "submitted", "processing", "auto_approved", "forwarded"]
        assert [d.kind for d in order.documents].count("bundle") == 1
        assert all(d.status == "processed" for d in order.documents)


def test_a_documents_worker_reads_the_uploads_in_its_own_process(live: LiveEnv) -> None:
    # `coc-service worker documents`: jobs in the worker's process, a standby child per upload
    order_id = place_order(live.runtime, seed=11)
    documents_only = live.start_worker("documents", "--burst")
    _, err = documents_only.communicate(timeout=240)
    assert documents_only.returncode == 0, err.decode()[-2000:]
    with live.runtime.db.transaction() as session:
        order = session.get(Order, order_id)
        assert order is not None
        uploads = [d for d in order.documents if d.kind != "bundle"]
        assert uploads and all(d.status == "processed" for d in uploads)
        assert all(d.fields for d in uploads)  # read, not merely marked
    live.run_worker_burst()  # the other queues: checks, then the supplier
    with live.runtime.db.transaction() as session:
        order = session.get(Order, order_id)
        assert order is not None and order.status == "forwarded"


def test_killed_worker_and_flushed_redis_lose_nothing(live: LiveEnv) -> None:
    ids = [place_order(live.runtime, seed=s) for s in (21, 22)]
    worker = live.start_worker()
    started = StartedJobRegistry("documents", connection=live.runtime.redis,
                                 serializer=JSONSerializer)
    deadline = time.monotonic() + 60
    while not started.get_job_ids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.get_job_ids(), "the worker never started a job"
    os.killpg(worker.pid, signal.SIGKILL)  # mid-job: the work horse and its parent die
    worker.wait()
    live.runtime.redis.flushdb()  # and Redis forgets every queued job

    assert _reconcile(live)["documents_requeued"] >= 1
    live.run_worker_burst()
    # evaluations requested by the last reads run in the same burst; one more pass settles all
    _reconcile(live)
    live.run_worker_burst()
    first = _snapshot(live)
    assert set(first["statuses"]) == set(ids)
    assert set(first["statuses"].values()) <= SETTLED, first["statuses"]
    assert all(n == 1 for n in first["moves"].values()), "a transition was recorded twice"

    # running everything again changes nothing: jobs are idempotent
    live.runtime.queue.enqueue_once("evaluate_order", ids[0], ids[0])
    _reconcile(live)
    live.run_worker_burst()
    assert _snapshot(live) == first
