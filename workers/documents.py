"""Jobs on the `documents` queue."""

from __future__ import annotations

from rq import get_current_job

from coc_service import runtime as runtimes
from coc_service.errors import ServiceUnavailable
from coc_service.orders.processing import read_document, record_permanent_failure


def process_document(document_id: str) -> str | None:
    """Read one stored scan and save the fields on its document row."""
    runtime = runtimes.current()
    try:
        return read_document(runtime, document_id)
    except ServiceUnavailable:
        raise  # transient (storage, key service, database): RQ retries, then the reconciler
    except Exception as exc:
        job = get_current_job()
        if job is not None and job.retries_left:
            raise
        # permanent: recorded on the order so that a person looks at it
        with runtime.db.transaction() as session:
            record_permanent_failure(session, document_id, f"reading failed: {type(exc).__name__}")
        return "failed"
