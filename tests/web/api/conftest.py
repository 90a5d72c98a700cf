"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from coc_service.suppliers.catalogue import upsert_catalogue


@pytest.fixture
def api(runtime, client):  # type: ignore[no-untyped-def]
    """The test client, with the catalogue seeded in the test's database."""
    with runtime.db.transaction() as session:
        upsert_catalogue(session)
    return client
