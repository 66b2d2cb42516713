"""The chaos report, shortened for CI: faults, SIGKILLs and replicas, and still nothing lost or doubled.

The same code as `routing-engine chaos` (real emulator and service processes, SIGKILL, faults
through the emulator's control API), with fewer orders. The full-size figures are in the README.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.chaos import ChaosPlan, fresh_postgres_database, run_chaos

POSTGRES_URL = os.environ.get("ROUTING_TEST_POSTGRES_URL")


@pytest.fixture
async def postgres_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the replicas to share, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ROUTING_TEST_POSTGRES_URL (set by .ci/run)")
    url = await fresh_postgres_database(POSTGRES_URL, prefix="routing_test_chaos")
    yield url
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def test_one_replica_on_sqlite_killed_twice_amid_faults_decides_every_order_once(
    tmp_path: Path,
) -> None:
    report = await run_chaos(ChaosPlan(orders=40, faults_percent=10, kills=2, seed=3), tmp_path)

    assert report.kills == 2
    assert sum(report.faults.values()) > 0, "faults were injected"
    assert report.decided == report.orders == 40, report.details
    assert (report.lost_deliveries, report.duplicate_writes, report.double_decisions) == (0, 0, 0), (
        report.table(),
        report.details,
    )
    assert report.targets_met()


async def test_three_replicas_on_postgresql_killed_one_at_a_time_decide_every_order_once(
    tmp_path: Path, postgres_database: str
) -> None:
    plan = ChaosPlan(
        orders=60, faults_percent=10, kills=2, replicas=3, database_url=postgres_database, seed=5
    )
    report = await run_chaos(plan, tmp_path)

    assert report.kills == 2
    assert report.database == "PostgreSQL"
    assert report.decided == report.orders == 60, report.details
    assert (report.lost_deliveries, report.duplicate_writes, report.double_decisions) == (0, 0, 0), (
        report.table(),
        report.details,
    )
    assert report.targets_met()
