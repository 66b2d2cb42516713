"""The store's tests run on a real SQLite file and, where configured, a real PostgreSQL server.

`ROUTING_TEST_POSTGRES_URL` (e.g. `postgresql+asyncpg://postgres@127.0.0.1:5432/postgres`)
names a server where each test gets a database of its own, dropped afterwards. `.ci/run` sets it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from adapters.store import create_engine, migrate, session_factory

POSTGRES_URL = os.environ.get("ROUTING_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/routing.db"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ROUTING_TEST_POSTGRES_URL (set by .ci/run)")
    name = f"routing_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database: a SQLite file, or a fresh PostgreSQL database."""
    engine = create_engine(database_url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()
