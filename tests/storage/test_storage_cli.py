"""`coc-service storage init|check` against moto and the local folder."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coc_service.cli import main


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # Only for the duration of each invoke: CliRunner restores the environment afterwards.
    return {
        "COC_ENV": "test",
        "COC_VAR_DIR": str(tmp_path / "var"),
        "COC_SECRET_KEY": "test-" + secrets.token_hex(16),
        **extra,
    }


@pytest.mark.services
def test_storage_init_hardens_the_bucket(
    tmp_path: Path, moto_endpoint: str, s3_client: Any
) -> None:
    bucket = f"coc-init-{secrets.token_hex(6)}"
    env = _env(
        tmp_path,
        COC_STORAGE_BACKEND="s3",
        COC_S3_BUCKET=bucket,
        COC_S3_ENDPOINT_URL=moto_endpoint,
        AWS_REGION="eu-west-3",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["storage", "init", "--noncurrent-version-days", "14"], env=env)
    assert result.exit_code == 0, result.output
    assert f"created bucket {bucket}" in result.output
    assert "versioning enabled" in result.output

    assert s3_client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3_client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                     "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    (rule,) = s3_client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 14
    encryption = s3_client.get_bucket_encryption(Bucket=bucket)
    default = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    again = runner.invoke(main, ["storage", "init"], env=env)  # idempotent
    assert again.exit_code == 0, again.output
    assert f"bucket {bucket} exists" in again.output
    checked = runner.invoke(main, ["storage", "check"], env=env)
    assert checked.exit_code == 0 and "storage reachable" in checked.output


@pytest.mark.services
def test_storage_check_fails_on_a_missing_bucket(tmp_path: Path, moto_endpoint: str) -> None:
    env = _env(
        tmp_path,
        COC_STORAGE_BACKEND="s3",
        COC_S3_BUCKET=f"coc-absent-{secrets.token_hex(6)}",
        COC_S3_ENDPOINT_URL=moto_endpoint,
        AWS_REGION="eu-west-3",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    result = CliRunner().invoke(main, ["storage", "check"], env=env)
    assert result.exit_code == 3
    assert "not reachable" in result.output


def test_storage_init_local_folder(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    env = _env(tmp_path, COC_STORAGE_BACKEND="local", COC_STORAGE_ROOT=str(root))
    result = CliRunner().invoke(main, ["storage", "init"], env=env)
    assert result.exit_code == 0, result.output
    assert str(root) in result.output
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
