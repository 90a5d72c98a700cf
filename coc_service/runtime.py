"""What a process needs to do work: settings, database, queue, document store, keys, mail.

Built from settings by the app factory or by a worker process; never at import time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from coc_service.config import Settings
from coc_service.db.session import Database
from coc_service.queue import JobQueue, redis_connection

if TYPE_CHECKING:
    from redis import Redis

    from coc_service.documents.types import Limits
    from coc_service.mail.sender import Mailer
    from coc_service.storage.base import DocumentStore
    from coc_service.storage.keys import KeyProvider


@dataclass
class Runtime:
    settings: Settings
    db: Database
    redis: Redis
    queue: JobQueue
    overrides: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def store(self) -> DocumentStore:
        if "store" in self.overrides:
            store: DocumentStore = self.overrides["store"]
            return store
        from coc_service.storage.factory import store_from_settings

        s = self.settings
        return store_from_settings(
            s.storage_backend,
            local_root=s.resolved_storage_root,
            s3_bucket=s.s3_bucket,
            s3_endpoint_url=s.s3_endpoint_url or None,
            s3_region=s.s3_region,
            sse=s.s3_sse or None,
            sse_kms_key_id=s.s3_sse_kms_key_id or s.kms_key_id or None,
        )

    @cached_property
    def keys(self) -> KeyProvider:
        if "keys" in self.overrides:
            keys: KeyProvider = self.overrides["keys"]
            return keys
        from coc_service.storage.factory import key_provider_from_settings

        s = self.settings
        return key_provider_from_settings(
            s.key_provider,
            master_key_path=s.resolved_master_key_path,
            kms_key_id=s.kms_key_id or None,
            endpoint_url=s.kms_endpoint_url or None,
            region=s.s3_region,
        )

    @cached_property
    def mailer(self) -> Mailer:
        from coc_service.mail.sender import mailer_from_settings

        return mailer_from_settings(self.settings)

    @property
    def limits(self) -> Limits:
        from coc_service.documents.types import Limits

        s = self.settings
        return Limits(
            max_bytes=s.max_upload_bytes,
            max_pixels=s.max_pixels,
            max_pages=s.max_pages,
            stage_timeout_s=s.stage_timeout_s,
        )

    def close(self) -> None:
        self.db.dispose()
        self.redis.close()


def build_runtime(settings: Settings, *, db: Database | None = None, **overrides: Any) -> Runtime:
    """Return a Runtime for `settings`; `db` may be a test's connection-bound Database."""
    redis = overrides.pop("redis", None) or redis_connection(settings.redis_url)
    queue = JobQueue(redis, retries=settings.job_retries)
    database = db or Database(settings.resolved_database_url)
    runtime = Runtime(settings=settings, db=database, redis=redis, queue=queue, overrides=overrides)
    database.session_info.update({"job_queue": queue, "runtime": runtime})
    return runtime


_current: Runtime | None = None
_thread = threading.local()


def install(runtime: Runtime | None, *, this_thread: bool = False) -> None:
    """Make `runtime` the one this process's jobs use (a worker at start, a test fixture);
    with `this_thread`, only the jobs run by the calling thread (a worker thread of its own
    next to other work in the process, as tests run one)."""
    global _current
    if this_thread:
        _thread.runtime = runtime
    else:
        _current = runtime


def current() -> Runtime:
    """Return the installed runtime (this thread's own first), building it from the
    environment on first use."""
    global _current
    own: Runtime | None = getattr(_thread, "runtime", None)
    if own is not None:
        return own
    if _current is None:
        from coc_service.config import ensure_dev_secret, settings_from_env

        _current = build_runtime(ensure_dev_secret(settings_from_env()))
    return _current
