"""`coc-service retention run`, `audit verify` and `keys rotate` against a SQLite var dir."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from privacy_builders import DAY, T0, Builder
from sqlalchemy import select

from coc_service.cli import main
from coc_service.config import SETTING_ENV_VARS, Settings
from coc_service.db import Document, Order, migrate
from coc_service.runtime import Runtime, build_runtime
from coc_service.storage.errors import UnknownMasterKey
from coc_service.storage.kms import KmsKeyProvider
from coc_service.storage.local_keys import LocalKeyProvider
from tests.support.moto_server import FAKE_CREDENTIALS, REGION

pytestmark = pytest.mark.db


@dataclass
class VarDir:
    path: Path
    env: dict[str, str | None]
    runtime: Runtime

    def invoke(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)

    def documents(self) -> list[Document]:
        with self.runtime.db.transaction() as session:
            return list(session.scalars(select(Document)))

    def order(self) -> Order:
        with self.runtime.db.transaction() as session:
            return session.scalars(select(Order)).one()


@pytest.fixture
def var_dir(tmp_path: Path, redis_url: str) -> Iterator[VarDir]:
    var = tmp_path / "var"
    var.mkdir()
    env: dict[str, str | None] = dict.fromkeys(SETTING_ENV_VARS.values())
    env.update({"COC_VAR_DIR": str(var), "COC_ENV": "test", "REDIS_URL": redis_url})
    settings = Settings(env="test", var_dir=var, redis_url=redis_url, secret_key="test")
    migrate.upgrade(settings.resolved_database_url)
    runtime = build_runtime(settings)
    with runtime.db.transaction() as session:
        Builder(session, runtime).order("completed", at=T0,
                                        kinds=("identity", "registration", "certificate"))
    yield VarDir(var, env, runtime)
    runtime.close()


def test_retention_dry_run_then_run(var_dir: VarDir) -> None:
    now = (T0 + 30 * DAY).isoformat()
    result = var_dir.invoke("retention", "run", "--dry-run", "--now", now)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "dry run" in lines[0]
    scans = next(line for line in lines if line.startswith("scans "))
    assert scans.split()[1:4] == ["erase", "30d", "2"]
    assert all(d.erased_at is None for d in var_dir.documents())
    assert "would act on 4" in result.output  # 2 scans erased, 2 reduced

    result = var_dir.invoke("retention", "run", "--now", now)
    assert result.exit_code == 0 and "acted on 4" in result.output
    erased = {d.kind for d in var_dir.documents() if d.erased_at is not None}
    assert erased == {"identity", "registration"}
    again = var_dir.invoke("retention", "run", "--now", now)
    assert "acted on 0" in again.output

    bad = var_dir.invoke("retention", "run", "--now", "last tuesday")
    assert bad.exit_code == 2 and "ISO" in bad.output
    # applying the policy ahead of time would erase data early: only a dry run may look ahead
    early = var_dir.invoke("retention", "run", "--now", "2999-01-01")
    assert early.exit_code == 2 and "--dry-run" in early.output
    assert var_dir.invoke("retention", "run", "--now", "2999-01-01", "--dry-run").exit_code == 0
    assert var_dir.order().wrapped_data_key is not None  # the certificate is still kept


def test_retention_policy_is_printed(var_dir: VarDir) -> None:
    result = var_dir.invoke("retention", "policy")
    assert result.exit_code == 0 and "order_records" in result.output
    assert "L123-22" in result.output


def test_audit_verify_ok_then_broken(var_dir: VarDir) -> None:
    assert var_dir.invoke("retention", "run", "--now", (T0 + 30 * DAY).isoformat()).exit_code == 0
    result = var_dir.invoke("audit", "verify")
    # one event per row that acted on the order: scans and identity_data
    assert result.exit_code == 0 and "audit chain OK: 2 events" in result.output

    with sqlite3.connect(var_dir.path / "coc.db") as conn:
        conn.execute("UPDATE audit_events SET reason = 'edited' WHERE id = 1")
    result = var_dir.invoke("audit", "verify")
    assert result.exit_code == 1 and "BROKEN at event 1" in result.output


def test_keys_rotate_rewraps_and_documents_decrypt_with_the_new_key_only(
    var_dir: VarDir, tmp_path: Path
) -> None:
    new_key = tmp_path / "new-master.key"
    before = var_dir.order()
    old_id = before.data_key_id

    refused = var_dir.invoke("keys", "rotate", "--new-master-key", str(new_key))
    assert refused.exit_code == 2 and "--generate" in refused.output

    result = var_dir.invoke("keys", "rotate", "--new-master-key", str(new_key), "--generate")
    assert result.exit_code == 0, result.output
    assert "re-wrapped: 1" in result.output and "unreadable (left as they were): 0" in result.output

    order = var_dir.order()
    new_only = LocalKeyProvider(new_key, create=False)
    assert order.data_key_id == new_only.key_id != old_id
    assert order.wrapped_data_key is not None
    data_key = new_only.unwrap(order.wrapped_data_key)
    for document in var_dir.documents():  # objects untouched, still readable
        content = var_dir.runtime.store.read_bytes(document.storage_key or "", data_key)
        assert content.startswith(b"%PDF")
    old_only = LocalKeyProvider(var_dir.path / "master.key", create=False)
    with pytest.raises(UnknownMasterKey):
        old_only.unwrap(order.wrapped_data_key)

    again = var_dir.invoke("keys", "rotate", "--new-master-key", str(new_key))
    assert "re-wrapped: 0" in again.output and "already under the new key: 1" in again.output
    assert var_dir.invoke("audit", "verify").exit_code == 0


def test_keys_rotate_from_the_key_file_to_kms(
    var_dir: VarDir, moto_endpoint: str, kms_client: Any, kms_key_id: str
) -> None:
    env = dict(var_dir.env, COC_KMS_ENDPOINT_URL=moto_endpoint, AWS_REGION=REGION,
               AWS_ACCESS_KEY_ID=FAKE_CREDENTIALS["aws_access_key_id"],
               AWS_SECRET_ACCESS_KEY=FAKE_CREDENTIALS["aws_secret_access_key"])

    result = CliRunner().invoke(main, ["keys", "rotate", "--new-kms-key-id", kms_key_id], env=env,
                                catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "re-wrapped: 1" in result.output
    order = var_dir.order()
    assert order.wrapped_data_key is not None and (order.data_key_id or "").startswith("kms:")
    data_key = KmsKeyProvider(kms_client, kms_key_id).unwrap(order.wrapped_data_key)
    for document in var_dir.documents():
        assert var_dir.runtime.store.read_bytes(document.storage_key or "", data_key)
    with pytest.raises(UnknownMasterKey):
        LocalKeyProvider(var_dir.path / "master.key", create=False).unwrap(order.wrapped_data_key)


def test_retention_run_exits_non_zero_when_an_item_failed(
    var_dir: VarDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coc_service.privacy import retention

    def fail(*_args: object, **_kwargs: object) -> list[str]:
        raise RuntimeError("storage hiccup")

    monkeypatch.setattr(retention, "erase_documents", fail)
    result = CliRunner().invoke(main, ["retention", "run", "--now", (T0 + 30 * DAY).isoformat()],
                                env=var_dir.env, catch_exceptions=False)
    assert result.exit_code == 1
    assert f"failed: scans: {var_dir.order().id}" in result.output
    assert all(d.erased_at is None for d in var_dir.documents())  # rolled back, kept for later
