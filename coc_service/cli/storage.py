"""`coc-service storage init|check`: prepare and probe the configured document store."""

from __future__ import annotations

import click

from coc_service.cli.common import friendly_errors, load_settings
from coc_service.config import Settings
from coc_service.storage.base import DocumentStore
from coc_service.storage.factory import store_from_settings
from coc_service.storage.local import LocalDocumentStore
from coc_service.storage.s3 import S3DocumentStore


def configured_store(settings: Settings) -> DocumentStore:
    """Return the document store the settings describe (the same one the service uses)."""
    return store_from_settings(
        settings.storage_backend,
        local_root=settings.resolved_storage_root,
        s3_bucket=settings.s3_bucket,
        s3_endpoint_url=settings.s3_endpoint_url or None,
        s3_region=settings.s3_region,
        sse=settings.s3_sse or None,
        sse_kms_key_id=settings.s3_sse_kms_key_id or settings.kms_key_id or None,
    )


@click.group("storage")
def group() -> None:
    """Document storage: bucket set-up and reachability."""


@group.command("init")
@click.option(
    "--noncurrent-version-days",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    envvar="COC_S3_NONCURRENT_VERSION_DAYS",
    help="S3: days a superseded object version is kept before the lifecycle rule removes it.",
)
@friendly_errors
def init(noncurrent_version_days: int) -> None:
    """Create the bucket if missing; enable versioning, lifecycle rules, block public access.

    Safe to run again. With the local backend, creates the private storage folder.
    """
    store = configured_store(load_settings())
    if isinstance(store, S3DocumentStore):
        actions = store.init_bucket(noncurrent_version_days=noncurrent_version_days)
    else:
        store.check()
        root = store.root if isinstance(store, LocalDocumentStore) else "?"
        actions = [f"local storage folder {root} ready (mode 0700)"]
    for action in actions:
        click.echo(action)


@group.command("check")
@friendly_errors
def check() -> None:
    """Exit 0 if the document store is reachable and writable, 3 if not."""
    settings = load_settings()
    store = configured_store(settings)
    store.check()
    s3 = settings.storage_backend == "s3"
    where = settings.s3_bucket if s3 else settings.resolved_storage_root
    click.echo(f"storage reachable ({settings.storage_backend}: {where})")
