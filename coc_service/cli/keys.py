"""`coc-service keys rotate`: re-wrap every order's data key under a new master key."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coc_service.cli.common import friendly_errors, load_runtime
from coc_service.storage.factory import aws_client
from coc_service.storage.keys import KeyProvider, KeyRing
from coc_service.storage.kms import KmsKeyProvider
from coc_service.storage.local_keys import LocalKeyProvider


@click.group("keys")
def group() -> None:
    """Master keys of the envelope encryption."""


@group.command("rotate")
@click.option("--new-master-key", type=click.Path(dir_okay=False, path_type=Path),
              help="Local provider: the file of the new master key (base64 of 32 bytes).")
@click.option("--generate", is_flag=True,
              help="Create the --new-master-key file (mode 0600) if it does not exist.")
@click.option("--new-kms-key-id", help="KMS: the new key's id, ARN or alias.")
@click.option("--old-master-key", "old_master_keys", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An older master key file still in use (repeatable).")
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True)
@friendly_errors
def rotate(new_master_key: Path | None, generate: bool, new_kms_key_id: str | None,
           old_master_keys: tuple[Path, ...], batch_size: int) -> None:
    """Re-wrap every data key under the new master key; objects are not touched.

    Idempotent: keys already under the new master key are skipped, so an interrupted run is
    simply started again. Then point COC_MASTER_KEY_FILE (or COC_KMS_KEY_ID) at the new key,
    restart the service and run this once more for orders created in between.
    """
    from coc_service.privacy.rotation import rotate_data_keys

    if (new_master_key is None) == (new_kms_key_id is None):
        raise click.UsageError("give exactly one of --new-master-key and --new-kms-key-id")
    if new_master_key is not None and not generate and not new_master_key.exists():
        raise click.UsageError(f"{new_master_key} does not exist (add --generate to create it)")
    runtime = load_runtime()
    settings = runtime.settings
    new: KeyProvider
    if new_master_key is not None:
        new = LocalKeyProvider(new_master_key, create=generate)
    else:
        assert new_kms_key_id is not None
        client = aws_client("kms", endpoint_url=settings.kms_endpoint_url or None,
                            region=settings.s3_region)
        new = KmsKeyProvider(client, new_kms_key_id)
    old = KeyRing(runtime.keys, *(LocalKeyProvider(p, create=False) for p in old_master_keys))
    report = rotate_data_keys(runtime.db, old, new, batch_size=batch_size)
    click.echo(f"new master key: {new.key_id}")
    click.echo(f"re-wrapped: {report.rewrapped}")
    click.echo(f"already under the new key: {report.already_current}")
    click.echo(f"unreadable (left as they were): {len(report.unreadable)}")
    for order_id in report.unreadable[:20]:
        click.echo(f"  order {order_id}", err=True)
    if not report.ok:
        sys.exit(1)
