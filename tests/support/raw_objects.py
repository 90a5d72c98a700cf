"""Reading and writing a store's bytes around its API, as someone with storage access could.

On S3 that includes every old version and delete marker the bucket's versioning keeps.
"""

from __future__ import annotations

from coc_service.storage.base import DocumentStore
from coc_service.storage.local import LocalDocumentStore
from coc_service.storage.s3 import S3DocumentStore


def read_raw(store: DocumentStore, key: str) -> bytes:
    """Return the current bytes as stored (ciphertext) under `key`."""
    if isinstance(store, S3DocumentStore):
        return bytes(store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read())
    assert isinstance(store, LocalDocumentStore)
    return store.root.joinpath(*key.split("/")).read_bytes()


def write_raw(store: DocumentStore, key: str, data: bytes) -> None:
    """Store `data` under `key` as it is (a new version on S3), bypassing the encryption."""
    if isinstance(store, S3DocumentStore):
        store.client.put_object(Bucket=store.bucket, Key=key, Body=data)
        return
    assert isinstance(store, LocalDocumentStore)
    path = store.root.joinpath(*key.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _versions(store: S3DocumentStore, prefix: str) -> tuple[list[dict[str, str]], list[str]]:
    """Return the versions ({Key, VersionId}) and delete markers ("key@version") under prefix."""
    versions: list[dict[str, str]] = []
    markers: list[str] = []
    for page in store.client.get_paginator("list_object_versions").paginate(
        Bucket=store.bucket, Prefix=prefix
    ):
        versions += [{"Key": v["Key"], "VersionId": v["VersionId"]}
                     for v in page.get("Versions", [])]
        markers += [f"{m['Key']}@{m['VersionId']}" for m in page.get("DeleteMarkers", [])]
    return versions, markers


def stored_copies(store: DocumentStore, prefix: str) -> dict[str, bytes]:
    """Return every stored copy under `prefix` by "key@version" (S3: each version; local: each
    file, version "current") — what a backup taken now would hold."""
    if isinstance(store, S3DocumentStore):
        copies = {}
        for version in _versions(store, prefix)[0]:
            body = store.client.get_object(Bucket=store.bucket, Key=version["Key"],
                                           VersionId=version["VersionId"])["Body"]
            copies[f"{version['Key']}@{version['VersionId']}"] = bytes(body.read())
        return copies
    return {f"{key}@current": read_raw(store, key) for key in store.list_keys(prefix)}


def leftovers(store: DocumentStore, prefix: str) -> list[str]:
    """Return what is still stored whose key starts with `prefix`, in any form: objects, and on
    S3 every old version and delete marker too (as "key@version"; local: "key@current")."""
    if isinstance(store, S3DocumentStore):
        versions, markers = _versions(store, prefix)
        return sorted([f"{v['Key']}@{v['VersionId']}" for v in versions] + markers)
    assert isinstance(store, LocalDocumentStore)
    if not store.root.exists():
        return []
    return sorted(f"{path.relative_to(store.root).as_posix()}@current"
                  for path in store.root.rglob("*")
                  if path.is_file() and path.relative_to(store.root).as_posix().startswith(prefix))


def copies_of(store: DocumentStore, key: str) -> list[str]:
    """Return every stored copy of exactly `key` (S3: each version and delete marker)."""
    return [entry for entry in leftovers(store, key) if entry.rpartition("@")[0] == key]
