"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from annotator.models import Base


def test_migrated_schema_matches_the_models(database_url):
    """Alembic's autogenerate comparison (tables, columns and their types and server defaults,
    nullability, indexes, unique and foreign keys) of the upgraded test database with the
    models' metadata: a model change without its migration shows up here."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
