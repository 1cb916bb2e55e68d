"""Alembic environment for the journal.

backcoach runs migrations itself (``backcoach.journal.migrate``) and hands over an open
connection in ``config.attributes["connection"]``; no alembic.ini is needed. A developer may
also run the ``alembic`` command with ``sqlalchemy.url`` set, e.g. to autogenerate a revision.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from backcoach.journal.migrate import import_model_modules
from backcoach.journal.models import Base

import_model_modules()
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE support
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url to run the journal migrations by hand")
    engine = create_engine(url)
    with engine.begin() as fresh:
        _run(fresh)
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("the journal migrations run online only")
run_migrations_online()
