"""Location load: an order counts once per location our decisions send it to, per shop-local day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import adapters.store.database
from adapters.store import DecisionLog, LocationLoad, create_engine, load_day, migrate, placed_locations
from engine.decision import Decision, FulfillmentOrderOutcome, ShipmentPart
from engine.intents import HoldFulfillmentOrder, LineQuantity, MoveFulfillmentOrder
from engine.model import FulfillmentOrder, Order, Snapshot

SHOP = "north-wind-us.myshopify.com"
NEWARK, CHICAGO, BROOKLYN = (f"gid://shopify/Location/{n}" for n in (1, 2, 5))
# 23:30 in New York on the 27th is already the 28th in UTC.
LATE_ON_THE_27TH = "2026-11-27T23:30:00-05:00"


def snapshot(order: str = "gid://shopify/Order/1", *, local_time: str | None = LATE_ON_THE_27TH) -> Snapshot:
    return Snapshot(
        store=SHOP,
        order=Order(id=order, name="#1001"),
        fulfillment_orders=(FulfillmentOrder(id="gid://shopify/FulfillmentOrder/1", status="OPEN"),),
        locations=(),
        read_at="2026-11-28T04:30:00+00:00",
        local_time=local_time,
    )


def decision(
    order: str = "gid://shopify/Order/1", *outcomes: FulfillmentOrderOutcome, intents: tuple = ()
) -> Decision:  # type: ignore[type-arg]
    return Decision(
        store=SHOP,
        order_id=order,
        order_name="#1001",
        ruleset_version="abc123",
        outcome="routed",
        fulfillment_orders=outcomes,
        intents=intents,
        trace=(),
    )


def moved(to: str, fo: str = "gid://shopify/FulfillmentOrder/1") -> FulfillmentOrderOutcome:
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo, action="move", from_location_id=BROOKLYN, to_location_id=to
    )


def kept(at: str, fo: str = "gid://shopify/FulfillmentOrder/2") -> FulfillmentOrderOutcome:
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo, action="keep", from_location_id=at, to_location_id=at
    )


HELD = FulfillmentOrderOutcome(
    fulfillment_order_id="gid://shopify/FulfillmentOrder/3", action="hold", from_location_id=BROOKLYN
)


async def record(log: DecisionLog, made: Decision, seen: Snapshot, fingerprint: str) -> str:
    decision_id = await log.record(made, seen, fingerprint=fingerprint, delivery_id=None)
    assert decision_id is not None
    return decision_id


async def test_an_order_counts_where_it_is_moved_and_where_it_is_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log, load = DecisionLog(sessions), LocationLoad(sessions)
    await record(log, decision("gid://shopify/Order/1", moved(NEWARK), kept(CHICAGO), HELD), snapshot(), "a")
    await record(
        log, decision("gid://shopify/Order/2", moved(NEWARK)), snapshot("gid://shopify/Order/2"), "b"
    )
    assert await load.counts(snapshot("gid://shopify/Order/9")) == {NEWARK: 2, CHICAGO: 1}


async def test_an_order_counts_once_per_location_however_often_it_is_decided(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log, load = DecisionLog(sessions), LocationLoad(sessions)
    two_fos_to_newark = decision(
        "gid://shopify/Order/1", moved(NEWARK), moved(NEWARK, fo="gid://shopify/FulfillmentOrder/2")
    )
    await record(log, two_fos_to_newark, snapshot(), "first")
    await record(log, decision("gid://shopify/Order/1", kept(NEWARK)), snapshot(), "after payment")
    await record(log, decision("gid://shopify/Order/1", moved(CHICAGO)), snapshot(), "moved on")
    assert await load.counts(snapshot("gid://shopify/Order/9")) == {NEWARK: 1, CHICAGO: 1}


async def test_the_order_being_decided_is_left_out_of_its_own_counts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    log, load = DecisionLog(sessions), LocationLoad(sessions)
    await record(log, decision("gid://shopify/Order/1", moved(NEWARK)), snapshot(), "a")
    await record(
        log, decision("gid://shopify/Order/2", moved(NEWARK)), snapshot("gid://shopify/Order/2"), "b"
    )
    assert await load.counts(snapshot(), besides=["gid://shopify/Order/1"]) == {NEWARK: 1}


async def test_counts_are_per_shop_local_day(sessions: async_sessionmaker[AsyncSession]) -> None:
    log, load = DecisionLog(sessions), LocationLoad(sessions)
    await record(log, decision("gid://shopify/Order/1", moved(NEWARK)), snapshot(), "a")
    assert await load.counts(snapshot("gid://shopify/Order/9", local_time="2026-11-27T08:00:00-05:00")) == {
        NEWARK: 1
    }
    next_morning = snapshot("gid://shopify/Order/9", local_time="2026-11-28T08:00:00-05:00")
    assert await load.counts(next_morning) == {}


async def test_a_decision_already_recorded_adds_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    log, load = DecisionLog(sessions), LocationLoad(sessions)
    made = decision("gid://shopify/Order/1", moved(NEWARK))
    await record(log, made, snapshot(), "same state")
    assert await log.record(made, snapshot(), fingerprint="same state", delivery_id=None) is None
    assert await load.counts(snapshot("gid://shopify/Order/9")) == {NEWARK: 1}


def test_a_partial_move_counts_every_location_it_sends_lines_to() -> None:
    partial = MoveFulfillmentOrder(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/1",
        from_location_id=BROOKLYN,
        to_location_id=CHICAGO,
        lines=(LineQuantity(id="gid://shopify/FulfillmentOrderLineItem/1", quantity=1),),
    )
    hold = HoldFulfillmentOrder(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/3", reason="OTHER", notes="", handle="h"
    )
    made = decision("gid://shopify/Order/1", moved(NEWARK), HELD, intents=(partial, hold))
    assert placed_locations(made) == {NEWARK, CHICAGO}


def test_the_day_is_the_shops_and_falls_back_to_utc_without_a_zone() -> None:
    now = datetime(2026, 11, 28, 4, 30, tzinfo=UTC)
    assert load_day(snapshot(), now) == "2026-11-27"
    assert load_day(snapshot(local_time=None), now) == "2026-11-28"


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option(
        "script_location", str(Path(adapters.store.database.__file__).with_name("migrations"))
    )
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_a_database_at_the_first_revision_gains_the_table(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0001")
            assert "location_orders" not in await connection.run_sync(lambda c: inspect(c).get_table_names())
        await migrate(engine)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            keys = await connection.run_sync(lambda c: inspect(c).get_pk_constraint("location_orders"))
        assert "location_orders" in tables
        assert keys["constrained_columns"] == ["shop", "local_date", "location_id", "order_id"]
    finally:
        await engine.dispose()


def test_a_split_counts_where_its_parts_are_kept_or_moved_not_where_they_are_held() -> None:
    line = (LineQuantity(id="gid://shopify/FulfillmentOrderLineItem/1", quantity=1),)
    split = FulfillmentOrderOutcome(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/1",
        action="split",
        from_location_id=BROOKLYN,
        parts=(
            ShipmentPart(action="keep", location_id=BROOKLYN, lines=line),
            ShipmentPart(action="move", location_id=CHICAGO, lines=line),
            ShipmentPart(action="hold", location_id=NEWARK, lines=line),
        ),
    )
    assert placed_locations(decision("gid://shopify/Order/1", split)) == {BROOKLYN, CHICAGO}
