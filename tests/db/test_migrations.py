from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from coc_service.db import Base
from coc_service.db.session import make_engine


@pytest.mark.db
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_models_and_migrations_agree(dialect: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(f"{dialect}_url")
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations: {diff}"


def test_single_migration_head() -> None:
    from coc_service.db.migrate import current_heads

    assert len(current_heads()) == 1
