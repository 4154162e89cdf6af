"""Alembic environment: handed a live connection by `store.migrate`, or run by the `alembic` command.

From a checkout, `alembic upgrade head` (see alembic.ini) migrates the database named by
CLUSTERBOT_DATABASE_URL (or .env), through the same guarded connection as `clusterbot db upgrade`.
"""

import asyncio
import logging.config

from alembic import context
from sqlalchemy.engine import Connection

from store.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


async def run_from_command_line() -> None:
    from bot.settings import load_settings
    from store.db import Database
    from store.migrate import migration_connection

    async with Database(load_settings().database_url) as db, migration_connection(db) as connection:
        await connection.run_sync(run_migrations)


handed = context.config.attributes.get("connection")
if handed is not None:
    run_migrations(handed)
else:
    if context.config.config_file_name:
        logging.config.fileConfig(context.config.config_file_name, disable_existing_loggers=False)
    asyncio.run(run_from_command_line())
