"""The database: async engine creation (SQLite in WAL mode, or PostgreSQL) and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

_MIGRATIONS = Path(__file__).with_name("migrations")


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; SQLite gets one connection and WAL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite has one writer anyway, and queueing in the pool is fair and
        # prompt where writers racing for the file lock back off in sleeps of up to 100 ms.
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, pool_timeout=60
        )
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine.pool, "checkout", _set_synchronous)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer. NORMAL keeps every commit through a crash of
    # this process (the outbox re-checks Shopify after anything lost to a power cut); the inbox
    # raises it to FULL for its own commits, because Shopify does not resend what we answered 200.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    record.info["synchronous"] = "NORMAL"


# Set (by `durable_commits`) while a caller's commits must wait for the disk.
_DURABLE: ContextVar[bool] = ContextVar("durable_commits", default=False)


def _set_synchronous(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """At each checkout, before the session's first statement: FULL for durable callers, else NORMAL.

    The mode is remembered per connection, so consecutive checkouts in one mode (a stream of inbox
    batches, a worker's transactions) send no PRAGMA at all.
    """
    wanted = "FULL" if _DURABLE.get() else "NORMAL"
    if record.info.get("synchronous") != wanted:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA synchronous={wanted}")
        cursor.close()
        record.info["synchronous"] = wanted


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@contextmanager
def durable_commits() -> Iterator[None]:
    """Within this block, sessions opened on SQLite commit with synchronous=FULL (wait for the disk).

    The pool sets the mode when a connection is checked out, before any statement, so each session
    opened inside commits durably and every other session (opened outside) commits with NORMAL.
    Open the session inside the block. PostgreSQL commits durably anyway.
    """
    token = _DURABLE.set(True)
    try:
        yield
    finally:
        _DURABLE.reset(token)
