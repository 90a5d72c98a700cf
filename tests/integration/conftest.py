"""A committed, real environment for chain tests: its own database (SQLite file or a fresh
PostgreSQL database), its own Redis database, real worker processes started as `coc-service`."""

from __future__ import annotations

import io
import os
import random
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from coc_service.config import Settings
from coc_service.db import Document, Order, migrate
from coc_service.orders.lifecycle import OrderStatus, record_creation, transition
from coc_service.orders.processing import start_processing
from coc_service.runtime import Runtime, build_runtime
from coc_service.runtime import install as install_runtime
from coc_service.suppliers.catalogue import DEMO_CATALOGUE, upsert_catalogue


@dataclass
class LiveEnv:
    settings: Settings
    runtime: Runtime
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "coc_service.cli", "worker", *args],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.workers.append(proc)
        return proc

    def run_worker_burst(self, timeout: float = 240) -> None:
        proc = self.start_worker("--burst")
        _, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err.decode()[-2000:]


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path, redis_url: str) -> Iterator[LiveEnv]:
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp_path / 'live.db'}"
        drop = None
    else:
        admin_url = make_url(os.environ.get("COC_TEST_DATABASE_URL",
                                            "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
        admin_url = admin_url.set(drivername="postgresql+psycopg")
        name = f"coc_live_{secrets.token_hex(4)}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        db_url = admin_url.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    migrate.upgrade(db_url)
    live_redis = redis_url.rsplit("/", 1)[0] + "/12"
    settings = Settings(env="test", var_dir=tmp_path / "var", secret_key="t" * 40,
                        database_url=db_url, redis_url=live_redis, job_retries=1)
    runtime = build_runtime(settings)
    runtime.redis.flushdb()
    install_runtime(runtime)
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": live_redis,
           "COC_VAR_DIR": str(settings.var_dir), "COC_SECRET_KEY": settings.secret_key,
           "COC_ENV": "test", "COC_JOB_RETRIES": "1", "COC_LOG_LEVEL": "warning"}
    with runtime.db.transaction() as session:
        upsert_catalogue(session)
    live_env = LiveEnv(settings, runtime, env)
    try:
        yield live_env
    finally:
        for proc in live_env.workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
        runtime.redis.flushdb()
        install_runtime(None)
        runtime.close()
        if drop:
            drop()


SERVED = {offer.make for offer in DEMO_CATALOGUE}


def synthetic_order(seed: int) -> tuple[dict[str, Any], bytes, bytes]:
    """Return (order facts, identity JPEG, registration JPEG) that agree with each other."""
    from fixtures.synth.identity import generate_identity
    from fixtures.synth.registration import generate_registration

    rng = random.Random(seed)
    while True:
        registration, reg_truth = generate_registration("FRA", rng)
        if reg_truth.get("make") in SERVED:
            break
    identity, id_truth = generate_identity("fr_id_2021", rng)
    facts = {
        "first_name": id_truth["given_names"].split()[0].title(),
        "last_name": id_truth["surname"].title(),
        "vin": reg_truth["vin"],
        "make": reg_truth["make"],
        "first_registration_date": date.fromisoformat(reg_truth["first_registration_date"]),
    }
    return facts, _jpeg(identity), _jpeg(registration)


def _jpeg(image: Any) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def place_order(runtime: Runtime, seed: int) -> str:
    """Create, store and submit a consistent order the way the shop does; return its id."""
    facts, identity, registration = synthetic_order(seed)
    with runtime.db.transaction() as session:
        data_key = runtime.keys.generate_data_key()
        order = Order(
            reference=f"COC-T{seed:05d}", vin=facts["vin"], make=facts["make"],
            first_registration_date=facts["first_registration_date"],
            customer_snapshot={"first_name": facts["first_name"], "last_name": facts["last_name"],
                               "email": "client@example.fr", "phone": "+33612345678"},
            wrapped_data_key=data_key.wrapped, data_key_id=data_key.key_id,
        )
        session.add(order)
        session.flush()
        record_creation(session, order, actor="customer")
        for kind, payload in (("identity", identity), ("registration", registration)):
            document = Document(order_id=order.id, kind=kind)
            session.add(document)
            session.flush()
            document.storage_key = f"orders/{order.id}/documents/{document.id}"
            stored = runtime.store.put(document.storage_key, io.BytesIO(payload),
                                       data_key.plaintext)
            document.size_bytes = stored.size_plain
            document.sha256 = stored.sha256_plain
        session.flush()
        session.refresh(order)
        transition(session, order, OrderStatus.SUBMITTED, actor="customer", reason="test")
        start_processing(session, order, reason="documents queued")
        return order.id
