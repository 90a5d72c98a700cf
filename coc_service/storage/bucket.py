"""One-time S3 bucket set-up for `coc-service storage init` (idempotent, safe to re-run).

Versioning protects against a bad overwrite; erasure deletes every version itself, and the
lifecycle rules are a back-stop for what the application's own retention job may miss: failed
multipart uploads go after a day, superseded versions after `noncurrent_version_days`.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from coc_service.storage.aws_errors import error_code, map_aws_error

LIFECYCLE_RULE_ID = "coc-service-retention-backstop"
# Codes some S3-compatible servers (MinIO, Ceph) answer for features they do not have.
_UNSUPPORTED = {"NotImplemented", "XNotImplemented", "UnsupportedOperation"}


def lifecycle_rules(noncurrent_version_days: int) -> list[dict[str, Any]]:
    """Return the lifecycle rules the bucket gets (one rule over the whole bucket)."""
    return [
        {
            "ID": LIFECYCLE_RULE_ID,
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_version_days},
            "Expiration": {"ExpiredObjectDeleteMarker": True},
        }
    ]


def _bucket_exists(client: Any, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) in {"404", "NoSuchBucket", "NotFound"}:
            return False
        raise map_aws_error(exc, "S3 head bucket") from None
    except BotoCoreError as exc:
        raise map_aws_error(exc, "S3 head bucket") from None
    return True


def _apply(actions: list[str], done: str, call: Any, **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as exc:
        if error_code(exc) in _UNSUPPORTED:
            actions.append(f"skipped: {done} (not supported by this S3 server)")
            return
        raise map_aws_error(exc, f"S3 set-up ({done})") from None
    except BotoCoreError as exc:
        raise map_aws_error(exc, f"S3 set-up ({done})") from None
    actions.append(done)


def init_bucket(
    client: Any,
    bucket: str,
    *,
    sse: str | None = "AES256",
    sse_kms_key_id: str | None = None,
    noncurrent_version_days: int = 30,
) -> list[str]:
    """Create (if missing) and harden `bucket`; return one line per action, in order."""
    if noncurrent_version_days < 1:
        raise ValueError("noncurrent versions live at least one day")
    actions: list[str] = []
    if _bucket_exists(client, bucket):
        actions.append(f"bucket {bucket} exists")
    else:
        kwargs: dict[str, Any] = {"Bucket": bucket}
        region = client.meta.region_name
        if region and region != "us-east-1":  # us-east-1 refuses an explicit constraint
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        _apply(actions, f"created bucket {bucket}", client.create_bucket, **kwargs)
    _apply(
        actions,
        "public access blocked",
        client.put_public_access_block,
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    _apply(
        actions,
        "object ownership enforced (ACLs disabled)",
        client.put_bucket_ownership_controls,
        Bucket=bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )
    _apply(
        actions,
        "versioning enabled",
        client.put_bucket_versioning,
        Bucket=bucket,
        VersioningConfiguration={"Status": "Enabled"},
    )
    if sse:
        default: dict[str, str] = {"SSEAlgorithm": sse}
        if sse == "aws:kms" and sse_kms_key_id:
            default["KMSMasterKeyID"] = sse_kms_key_id
        _apply(
            actions,
            f"default encryption {sse}",
            client.put_bucket_encryption,
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]
            },
        )
    _apply(
        actions,
        "lifecycle: abort incomplete multipart uploads after 1 day, expire noncurrent versions "
        f"after {noncurrent_version_days} days, remove orphan delete markers",
        client.put_bucket_lifecycle_configuration,
        Bucket=bucket,
        LifecycleConfiguration={"Rules": lifecycle_rules(noncurrent_version_days)},
    )
    return actions
