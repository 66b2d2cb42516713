"""After a hand-off: the other store ships (or cannot), or the origin's order is cancelled.

- The fulfilling store's `fulfillments/create` for a linked order, or the coordination service's
  `POST /api/v1/handoffs/{id}/complete`: the fulfillment is created in the origin store on the
  stand-in's fulfillment order with the same carrier and tracking (so the customer is told), our
  hold released first; the hand-off is `completed`.
- `POST /api/v1/handoffs/{id}/fail`: the hand-off is `failed` and the origin's order decided
  again, without that store.
- The origin's `orders/cancelled`: each open hand-off of the order is cancelled, and its linked
  order in the fulfilling store with it (with that store's credentials).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from adapters.ports import HandOffStoreGateway
from adapters.store import Inbox
from adapters.store.clock import utc_now
from adapters.store.handoffs import HandOff, HandOffBook, HandOffTransition, Tracking
from adapters.store.inbox import NewDelivery
from engine.intents import HANDOFF_HOLD_HANDLE, ReleaseHold

logger = logging.getLogger(__name__)

ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"
TOPICS = frozenset({"fulfillments/create"})  # orders/cancelled: `withdraw`, via adapters.state_changes


class HandOffFollowUp:
    topics = TOPICS

    def __init__(
        self, *, book: HandOffBook, gateways: Mapping[str, HandOffStoreGateway], inbox: Inbox
    ) -> None:
        self.book = book
        self.gateways = gateways
        self.inbox = inbox

    async def on_webhook(self, shop: str, topic: str, body: Mapping[str, Any]) -> str:
        """Act on a webhook of `TOPICS`; what was done, in words."""
        if topic == "fulfillments/create":
            order_id = _order_gid(body.get("order_id"))
            handoff = await self.book.by_linked_order(shop, order_id) if order_id else None
            if handoff is None:
                return "fulfillment of an order that is no linked order of ours"
            tracking = Tracking(
                company=body.get("tracking_company"),
                numbers=tuple(str(n) for n in body.get("tracking_numbers") or ()),
                urls=tuple(str(u) for u in body.get("tracking_urls") or ()),
            )
            done = await self.complete(handoff, tracking)
            return f"hand-off {handoff.id}: {done.status}, tracking {', '.join(tracking.numbers) or 'none'}"
        return f"{topic}: nothing to do"

    async def withdraw(self, shop: str, order_id: str) -> str:
        """The origin's order was cancelled: cancel its open hand-offs and their linked orders."""
        handoffs = await self.book.for_order(shop, order_id)
        return "; ".join([await self._cancel(h) for h in handoffs if h.status == "open"])

    async def complete(self, handoff: HandOff, tracking: Tracking) -> HandOffTransition:
        """Copy the other store's shipment into the origin store and close the hand-off."""
        origin = self.gateways[handoff.origin_store]
        fo_id = handoff.origin_fulfillment_order_id
        snapshot = await origin.read_snapshot(fo_id)
        fo = next((f for f in snapshot.fulfillment_orders if f.id == fo_id), None)
        if fo is not None and fo.our_hold(HANDOFF_HOLD_HANDLE) is not None:
            await origin.apply(
                ReleaseHold(fulfillment_order_id=fo_id, handle=HANDOFF_HOLD_HANDLE), snapshot=snapshot
            )
        if fo is not None and fo.status not in ("CLOSED", "CANCELLED"):
            await origin.create_fulfillment(fo_id, (), tracking.company, tracking.numbers, tracking.urls)
        return await self.book.complete(handoff.id, tracking)

    async def fail(self, handoff: HandOff, reason: str) -> HandOffTransition:
        """The other store cannot ship: fail the hand-off and decide the origin's order again."""
        moved = await self.book.fail(handoff.id, reason)
        if moved.applied:
            await self._redecide(handoff, "failed")
        return moved

    async def _cancel(self, handoff: HandOff) -> str:
        if handoff.linked_order_id is not None:
            there = self.gateways.get(handoff.fulfilling_store)
            if there is not None:
                await there.cancel_order(
                    handoff.linked_order_id,
                    staff_note=f"{handoff.origin_order_name} was cancelled in {handoff.origin_store}",
                )
        moved = await self.book.cancel(handoff.id, "the origin's order was cancelled")
        return (
            f"hand-off {handoff.id} {moved.status}; linked order {handoff.linked_order_name or '-'} cancelled"
        )

    async def redecide_failed(self, handoff: HandOff) -> None:
        """Decide the origin's order again after a failed hand-off (without that store)."""
        await self._redecide(handoff, "failed")

    async def _redecide(self, handoff: HandOff, why: str) -> None:
        stamp = utc_now().strftime("%Y%m%dT%H%M%S%f")
        body = {"fulfillment_order": {"id": handoff.origin_fulfillment_order_id, "status": "on_hold"}}
        await self.inbox.store(
            NewDelivery(
                webhook_id=f"handoff:{handoff.id}:{why}:{stamp}",
                shop=handoff.origin_store,
                topic=ROUTING_COMPLETE,
                body=json.dumps(body),
            )
        )


def _order_gid(value: object) -> str | None:
    if isinstance(value, str) and value.startswith("gid://shopify/Order/"):
        return value
    if isinstance(value, int | str) and str(value).isdigit():
        return f"gid://shopify/Order/{value}"
    return None
