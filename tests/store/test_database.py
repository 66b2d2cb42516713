"""SQLite's flush mode: inbox commits wait for the disk (FULL), every other commit does not (NORMAL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from adapters.store import create_engine, session_factory
from adapters.store.database import durable_commits

FULL, NORMAL = 2, 1


async def test_sessions_opened_under_durable_commits_flush_to_disk_and_others_do_not(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    sessions = session_factory(engine)
    try:
        modes = []
        for durable in (False, True, True, False, True):
            if durable:
                with durable_commits():
                    async with sessions() as session:
                        modes.append(await session.scalar(text("PRAGMA synchronous")))
            else:
                async with sessions() as session:
                    modes.append(await session.scalar(text("PRAGMA synchronous")))
        assert modes == [NORMAL, FULL, FULL, NORMAL, FULL]
        async with sessions() as session:  # the mode does not leak out of the block
            assert await session.scalar(text("PRAGMA synchronous")) == NORMAL
    finally:
        await engine.dispose()
