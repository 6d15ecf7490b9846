"""The Alembic migrations create exactly what the models describe."""

from alembic import command

from sync_server.migrations.runner import alembic_config
from tests.support.postgres import PostgresServer


def test_the_migrated_schema_matches_the_models(postgres: PostgresServer) -> None:
    # raises when autogenerate would find anything to change
    command.check(alembic_config(postgres.url("upwatch_test")))
