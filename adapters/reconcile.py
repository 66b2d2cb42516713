"""Reconciliation: find the open fulfillment orders whose webhook Shopify lost or delayed.

Every `ROUTING_RECONCILE_SECONDS` (0 turns it off) a lifespan task reads each store's open
fulfillment orders through the Admin API and, for each one no decision of ours covered and no
routing webhook in the inbox names (that one is not lost, only waiting its turn behind a backlog),
stores a synthetic `fulfillment_orders/order_routing_complete` delivery in the inbox, exactly as the
webhook would have, and wakes the workers. Its webhook id is `reconcile:<fulfillment order id>`, so it is
stored once however many runs see it; the normal pipeline then decides it under the order's lock
with the fingerprint dedupe, so a webhook that arrives late changes nothing.

A store with more than `BACKLOG` routing webhooks still waiting in the inbox is left for the next
run: the open fulfillment orders a run would find are then mostly those waiting webhooks', and
reading every one of them (and every waiting body) spends the Admin API budget and the memory the
backlog needs (a 61,000-delivery backlog made each run read ~70,000 open fulfillment orders).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.processing import ROUTING_COMPLETE
from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.store import DecisionLog, Inbox
from adapters.store.inbox import NewDelivery

logger = logging.getLogger(__name__)

OPEN = "OPEN"
BACKLOG = 250  # waiting routing webhooks above which a store's run is deferred (one page of reads)


@dataclass(frozen=True, slots=True)
class ReconcileCounts:
    """One run: open fulfillment orders read, those no decision covered, and those newly stored."""

    open: int = 0
    undecided: int = 0
    stored: int = 0
    failed_stores: int = 0
    deferred_stores: int = 0  # left for the next run: a backlog of routing webhooks is being worked


class Reconciler:
    def __init__(
        self,
        *,
        clients: Mapping[str, ShopifyClient],
        inbox: Inbox,
        log: DecisionLog,
        notify: Callable[[], None],
    ) -> None:
        self._clients = clients
        self._inbox = inbox
        self._log = log
        self._notify = notify

    async def run_once(self) -> ReconcileCounts:
        """Reconcile every store once; a store that fails is logged and the others still run."""
        total = ReconcileCounts()
        for shop, client in self._clients.items():
            try:
                counts = await self._reconcile(shop, client)
            except Exception:  # one store's outage must not stop the others or the loop
                logger.exception("reconcile: reading %s failed", shop)
                counts = ReconcileCounts(failed_stores=1)
            total = ReconcileCounts(
                open=total.open + counts.open,
                undecided=total.undecided + counts.undecided,
                stored=total.stored + counts.stored,
                failed_stores=total.failed_stores + counts.failed_stores,
                deferred_stores=total.deferred_stores + counts.deferred_stores,
            )
        if total.stored:
            self._notify()
        logger.info(
            "reconcile: %d open fulfillment order(s), %d not decided, %d stored for processing%s%s",
            total.open,
            total.undecided,
            total.stored,
            f", {total.failed_stores} store(s) unreadable" if total.failed_stores else "",
            f", {total.deferred_stores} store(s) deferred behind a backlog" if total.deferred_stores else "",
        )
        return total

    async def run_forever(self, interval_seconds: float) -> None:
        """The lifespan task: one run every `interval_seconds` until cancelled."""
        while True:
            await asyncio.sleep(interval_seconds)
            await self.run_once()

    async def _reconcile(self, shop: str, client: ShopifyClient) -> ReconcileCounts:
        waiting = await self._inbox.pending_count(shop, ROUTING_COMPLETE)
        if waiting > BACKLOG:
            logger.info("reconcile: %s deferred: %d routing webhooks wait in the inbox", shop, waiting)
            return ReconcileCounts(deferred_stores=1)
        found = await _open_fulfillment_orders(client)
        queued = _named_fulfillment_orders(await self._inbox.pending_bodies(shop, ROUTING_COMPLETE))
        seen: dict[str, frozenset[str]] = {}
        undecided = stored = 0
        for fulfillment_order_id, order_id in found:
            if order_id not in seen:
                seen[order_id] = await self._log.fulfillment_orders_seen(shop, order_id)
            if fulfillment_order_id in seen[order_id]:
                continue
            undecided += 1
            if fulfillment_order_id in queued:
                # Storing it again would double a backlog's Admin API reads (seen in the chaos run).
                continue
            body = {"fulfillment_order": {"id": fulfillment_order_id, "status": "open"}}
            delivery = NewDelivery(
                webhook_id=f"reconcile:{fulfillment_order_id}",
                shop=shop,
                topic=ROUTING_COMPLETE,
                body=json.dumps(body),
                event_id=None,
            )
            if await self._inbox.store(delivery):
                stored += 1
        return ReconcileCounts(open=len(found), undecided=undecided, stored=stored)


def _named_fulfillment_orders(bodies: list[str]) -> set[str]:
    """The fulfillment order ids routing-complete bodies name (an unreadable body names none)."""
    named: set[str] = set()
    for body in bodies:
        try:
            fulfillment_order_id = json.loads(body)["fulfillment_order"]["id"]
        except (ValueError, TypeError, KeyError):
            continue
        if isinstance(fulfillment_order_id, str):
            named.add(fulfillment_order_id)
    return named


async def _open_fulfillment_orders(client: ShopifyClient) -> list[tuple[str, str]]:
    """(fulfillment order id, order id) of every open fulfillment order, all pages."""
    found: list[tuple[str, str]] = []
    after: str | None = None
    while True:
        data = await client.execute(documents.OPEN_FULFILLMENT_ORDERS, {"after": after})
        page: dict[str, Any] = data["fulfillmentOrders"]
        for node in page["nodes"]:
            # The `status:open` search filter is not confirmed by the schema: check the status here too.
            if node["status"] == OPEN and node.get("order"):
                found.append((node["id"], node["order"]["id"]))
        info = page["pageInfo"]
        if not info["hasNextPage"] or not info["endCursor"]:
            return found
        after = info["endCursor"]
