from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import create_engine, migrate, session_factory


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated SQLite database in a real file."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()
