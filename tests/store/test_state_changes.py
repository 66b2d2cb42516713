"""State changes after a decision: a replacement is decided, a cancelled order withdraws what is
open, a changed address decides the order again unless part of it has shipped."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.state_changes import StateChanges, TopicHandlers
from adapters.store import DecisionLog, Inbox
from adapters.store.tables import DeliveryRow
from engine.model import Address, FulfillmentOrder, Order

from .test_decision_log import FO, ORDER, SHOP, decision, snapshot

NEW_YORK = {"country_code": "US", "province_code": "NY", "city": "New York", "zip": "10001"}


class Withdrawal:
    def __init__(self) -> None:
        self.orders: list[tuple[str, str]] = []

    async def withdraw(self, shop: str, order_id: str) -> str:
        self.orders.append((shop, order_id))
        return "PO 7 cancelled"


async def deliveries(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))
        return [(row.webhook_id, row.body) for row in rows]


async def decided(sessions: async_sessionmaker[AsyncSession], *, status: str = "OPEN") -> StateChanges:
    """The order decided once, at a New York address, its fulfillment order in `status`."""
    log = DecisionLog(sessions)
    seen = snapshot().model_copy(
        update={
            "order": Order(id=ORDER, name="#1001", shipping_address=Address(**NEW_YORK)),
            "fulfillment_orders": (FulfillmentOrder(id=FO, status=status),),
        }
    )
    await log.record(decision(), seen, fingerprint="f1", delivery_id=None)
    return StateChanges(log=log, inbox=Inbox(sessions))


async def test_a_cancelled_fulfillment_orders_replacement_is_decided_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    changes = await decided(sessions)
    body = {
        "fulfillment_order": {"id": FO, "status": "cancelled"},
        "replacement_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/2", "status": "open"},
    }
    assert "to be decided" in await changes.on_webhook(SHOP, "fulfillment_orders/cancelled", body)
    assert "already queued" in await changes.on_webhook(SHOP, "fulfillment_orders/cancelled", body)
    [(webhook_id, _)] = await deliveries(sessions)
    assert webhook_id == "replacement:gid://shopify/FulfillmentOrder/2"


async def test_our_own_writes_echoing_as_orders_updated_change_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    changes = await decided(sessions)
    body = {
        "admin_graphql_api_id": ORDER,
        "shipping_address": dict(NEW_YORK),
        "tags": "routing-engine:routed",
    }
    assert await changes.on_webhook(SHOP, "orders/updated", body) == "address unchanged"
    assert await deliveries(sessions) == []


async def test_a_changed_address_decides_the_order_again(sessions: async_sessionmaker[AsyncSession]) -> None:
    changes = await decided(sessions)
    moved = {**NEW_YORK, "province_code": "CA", "city": "Los Angeles", "zip": "90012"}
    said = await changes.on_webhook(SHOP, "orders/updated", {"id": 1, "shipping_address": moved})
    assert said.startswith("address changed (US, NY, New York, 10001 → US, CA, Los Angeles, 90012)")
    [(webhook_id, body)] = await deliveries(sessions)
    assert webhook_id.startswith(f"address:{ORDER}:") and FO in body


async def test_a_changed_address_after_part_shipped_is_left_alone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    changes = await decided(sessions, status="IN_PROGRESS")
    moved = {**NEW_YORK, "zip": "10002"}
    said = await changes.on_webhook(SHOP, "orders/updated", {"id": 1, "shipping_address": moved})
    assert "part of the order has shipped" in said
    assert await deliveries(sessions) == []


async def test_a_cancelled_order_withdraws_what_is_open(sessions: async_sessionmaker[AsyncSession]) -> None:
    withdrawal = Withdrawal()
    changes = StateChanges(log=DecisionLog(sessions), inbox=Inbox(sessions), withdrawals=[withdrawal])
    handlers = TopicHandlers([changes])
    assert await handlers.on_webhook(SHOP, "orders/cancelled", {"id": 1}) == "PO 7 cancelled"
    assert withdrawal.orders == [(SHOP, ORDER)]
    assert "orders/cancelled" in handlers.topics
