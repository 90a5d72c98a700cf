"""Builds the configured store and key provider from plain settings (no environment reads).

AWS credentials come from boto3's usual chain (instance role, AWS_* variables, profile); the
endpoints, region and bucket are passed in by the caller's configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from coc_service.storage.base import DocumentStore
from coc_service.storage.keys import KeyProvider
from coc_service.storage.kms import KmsKeyProvider
from coc_service.storage.local import LocalDocumentStore
from coc_service.storage.local_keys import LocalKeyProvider
from coc_service.storage.s3 import MIB, S3DocumentStore


def aws_client(
    service: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    max_attempts: int = 4,
    connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
    **credentials: Any,
) -> Any:
    """Return a boto3 client with bounded retries and timeouts (path-style for custom S3)."""
    config = Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        # MinIO and Ceph rarely have per-bucket DNS names; AWS itself is fine with virtual hosts.
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    return boto3.client(
        service,
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        config=config,
        **credentials,
    )


def _sse_mode(sse: str | None) -> str | None:
    if sse in (None, "", "none"):
        return None
    if sse in ("AES256", "aws:kms"):
        return sse
    raise ValueError("sse must be 'AES256', 'aws:kms' or none")


def store_from_settings(
    kind: str,
    *,
    local_root: Path | str | None = None,
    s3_bucket: str | None = None,
    s3_endpoint_url: str | None = None,
    s3_region: str | None = None,
    sse: str | None = "AES256",
    sse_kms_key_id: str | None = None,
    multipart_threshold: int = 8 * MIB,
    part_size: int = 8 * MIB,
    s3_client: Any = None,
) -> DocumentStore:
    """Return the document store `kind` ("local" or "s3") configured by the arguments."""
    if kind == "local":
        if not local_root:
            raise ValueError("the local store needs local_root")
        return LocalDocumentStore(Path(local_root))
    if kind == "s3":
        if not s3_bucket:
            raise ValueError("the S3 store needs s3_bucket")
        client = s3_client or aws_client("s3", endpoint_url=s3_endpoint_url, region=s3_region)
        return S3DocumentStore(
            client,
            s3_bucket,
            sse=_sse_mode(sse),
            sse_kms_key_id=sse_kms_key_id or None,
            multipart_threshold=multipart_threshold,
            part_size=part_size,
        )
    raise ValueError(f"unknown storage backend {kind!r} (local or s3)")


def key_provider_from_settings(
    kind: str,
    *,
    master_key_path: Path | str | None = None,
    previous_master_key_paths: Iterable[Path | str] = (),
    kms_key_id: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    kms_client: Any = None,
) -> KeyProvider:
    """Return the key provider `kind` ("local" or "kms") configured by the arguments.

    `previous_master_key_paths` (local) are older key files still accepted while rotating.
    """
    if kind == "local":
        if not master_key_path:
            raise ValueError("the local key provider needs master_key_path")
        return LocalKeyProvider(
            master_key_path, previous_master_key_paths=previous_master_key_paths
        )
    if kind == "kms":
        if not kms_key_id:
            raise ValueError("the KMS key provider needs kms_key_id")
        client = kms_client or aws_client("kms", endpoint_url=endpoint_url, region=region)
        return KmsKeyProvider(client, kms_key_id)
    raise ValueError(f"unknown key provider {kind!r} (local or kms)")
