"""A router over a real SQLite store, the real rules and an in-memory Shopify store (the specs' world)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from adapters.processing import Decide, OrderRouter
from adapters.rule_files import load_ruleset
from adapters.store import DecisionLog, Delivery, Inbox, NewDelivery, OrderLocks
from engine import decide
from engine.model import Snapshot
from tests.service.fakes import FakeStore

PROJECT = Path(__file__).resolve().parents[2]
SHOP = "north-wind-us.myshopify.com"
ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"


def scenario(name: str) -> Snapshot:
    return Snapshot.model_validate_json((PROJECT / "fixtures" / "snapshots" / f"{name}.json").read_text())


class World:
    """A router over a real SQLite store, the real rules and an in-memory Shopify store."""

    def __init__(
        self,
        inbox: Inbox,
        log: DecisionLog,
        locks: OrderLocks,
        store: FakeStore,
        decide: Decide = decide,
        rules: Path = PROJECT / "rules",
    ) -> None:
        self.inbox, self.log, self.locks, self.store = inbox, log, locks, store
        ruleset = load_ruleset(rules)
        self.router = OrderRouter(
            stores={SHOP: store},
            ruleset=lambda: ruleset,
            inbox=inbox,
            locks=locks,
            log=log,
            lease_seconds=30,
            decide=decide,
        )
        self._ids = 0

    async def deliver(self, topic: str = ROUTING_COMPLETE, body: dict[str, object] | None = None) -> Delivery:
        self._ids += 1
        if body is None:
            body = {"fulfillment_order": {"id": self.store.state.fulfillment_orders[0].id, "status": "open"}}
        await self.inbox.store(
            NewDelivery(webhook_id=f"w-{self._ids}", shop=SHOP, topic=topic, body=json.dumps(body))
        )
        delivery = await self.inbox.lease("test-worker", 30)
        assert delivery is not None
        return delivery


class MakeWorld(Protocol):
    def __call__(self, store: FakeStore, decide: Decide = ..., rules: Path = ...) -> World: ...
