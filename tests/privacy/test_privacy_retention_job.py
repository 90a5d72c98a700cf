"""The daily job the scheduler enqueues: workers.maintenance.apply_retention."""

from __future__ import annotations

import pytest
from privacy_builders import BOTH_STORES, T0, Builder
from sqlalchemy.orm import Session

from coc_service.queue import JOBS
from coc_service.runtime import Runtime
from workers import maintenance

pytestmark = [pytest.mark.db, BOTH_STORES]


def test_job_applies_the_policy_and_returns_counts(
    session: Session, runtime: Runtime, build: Builder
) -> None:
    order = build.order("cancelled", at=T0)
    session.commit()
    assert JOBS["apply_retention"].func == "workers.maintenance.apply_retention"

    result = maintenance.apply_retention()

    assert result["dry_run"] is False
    assert result["counts"]["scans"] == 2 and result["counts"]["identity_data"] == 2
    session.expire_all()
    assert all(d.erased_at is not None for d in order.documents)
    assert maintenance.apply_retention()["counts"]["scans"] == 0
