"""Service specs: the world of a router over a real store (`make_world`), and the store's database fixture."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.processing import Decide
from adapters.store import DecisionLog, Inbox, OrderLocks, create_engine, migrate, session_factory
from engine import decide
from tests.service.fakes import FakeStore
from tests.service.world import PROJECT, MakeWorld, World
from tests.store.conftest import database_url

__all__ = ["database_url", "make_world"]


@pytest.fixture
async def make_world(tmp_path: Path) -> AsyncIterator[MakeWorld]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(engine)
    sessions = session_factory(engine)

    def make(store: FakeStore, decide: Decide = decide, rules: Path = PROJECT / "rules") -> World:
        return World(Inbox(sessions), DecisionLog(sessions), OrderLocks(sessions), store, decide, rules)

    yield make
    await engine.dispose()
