"""The service as a real process, stopped with SIGTERM in the middle of a burst, then started again."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.store import DecisionLog, Inbox, create_engine, session_factory
from adapters.store.clock import as_utc
from tests.e2e.conftest import US, Shopify, assert_each_order_written_once, eventually, every_order_decided
from tests.e2e.test_restart import ServiceProcess

HANDOVER_SECONDS = 3  # the Shopify timeout: work cut short is handed over after it


@pytest.fixture
def graceful_service(tmp_path: Path, shopify: Shopify) -> Iterator[ServiceProcess]:
    process = ServiceProcess(tmp_path, shopify)
    # A lease far longer than the test: a delivery or order lock left behind would stall it.
    process.env["ROUTING_LEASE_SECONDS"] = "600"
    process.env["ROUTING_SHUTDOWN_GRACE_SECONDS"] = "0.2"
    process.env["ROUTING_SHOPIFY_TIMEOUT_SECONDS"] = str(HANDOVER_SECONDS)
    yield process
    process.stop()


def terminate(service: ServiceProcess) -> int:
    """SIGTERM, as an orchestrator stops a replica; returns the exit code."""
    assert service.process is not None
    service.process.send_signal(signal.SIGTERM)
    code = service.process.wait(timeout=60)
    service.process = None
    return code


async def test_sigterm_mid_burst_releases_everything_and_the_next_start_finishes(
    shopify: Shopify, graceful_service: ServiceProcess
) -> None:
    await graceful_service.start()
    await shopify.send_webhooks_to(f"{graceful_service.url}/webhooks/shopify")
    # Slow Admin API answers keep writes in flight when the SIGTERM lands.
    await shopify.faults(delay_next_seconds=0.3, count=40)
    skus = [f"NW-{n:04d}" for n in (2, 3, 5, 6, 8, 9, 10, 12, 1, 4, 11, 5, 6, 8, 9, 12)]
    orders = [await shopify.place_order(US, [(sku, 1)]) for sku in skus]
    await shopify.delivered()

    database = create_engine(graceful_service.database_url)
    log, inbox = DecisionLog(session_factory(database)), Inbox(session_factory(database))
    try:

        async def some_decided() -> bool:
            return len(await log.for_order(US, orders[2]["id"])) > 0

        await eventually(some_decided, what="the first decisions")
        code = terminate(graceful_service)
        log_text = graceful_service.log.read_text()
        assert "Application shutdown complete" in log_text, log_text
        assert code == 0, log_text

        async with database.connect() as connection:
            leased = await connection.scalar(
                text("SELECT count(*) FROM deliveries WHERE state = 'pending' AND lease_owner IS NOT NULL")
            )
            # Locks cut short are handed over once a request still in transit has timed out.
            until = [row[0] for row in await connection.execute(text("SELECT lease_until FROM order_locks"))]
        assert leased == 0, "no delivery is left leased"
        soon = datetime.now(UTC) + timedelta(seconds=HANDOVER_SECONDS + 1)
        assert all(as_utc(datetime.fromisoformat(str(value))) <= soon for value in until), until
        pending_at_stop = (await inbox.counts()).get("pending", 0)

        # With 600 s leases, only released work lets the next start finish the run.
        await graceful_service.start()

        await eventually(
            lambda: every_order_decided(log, inbox, orders),
            timeout=60,
            what="every order to be decided after the restart",
        )
    finally:
        await database.dispose()
    await asyncio.sleep(0)
    assert pending_at_stop > 0, "the SIGTERM landed before the run finished"
    await assert_each_order_written_once(shopify, orders)


async def test_sigterm_exits_0(shopify: Shopify, graceful_service: ServiceProcess) -> None:
    await graceful_service.start()
    assert terminate(graceful_service) == 0, graceful_service.log.read_text()
