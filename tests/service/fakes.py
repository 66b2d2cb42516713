"""In-memory stand-ins for the ports processing talks through."""

from __future__ import annotations

from adapters.shopify.errors import ShopifyNotFound, ShopifyUnavailable
from adapters.shopify.outcomes import IntentOutcome, IntentResult
from engine.intents import (
    AddOrderTags,
    HoldFulfillmentOrder,
    Intent,
    MoveFulfillmentOrder,
    ReleaseHold,
    SetOrderMetafield,
)
from engine.model import FulfillmentOrder, Hold, Snapshot


class FakeStore:
    """One store's state as a Snapshot; applies intents to it and records every write.

    `lose_response_of` lists write numbers (1-based) whose effect lands but whose answer is lost,
    as when a connection drops after Shopify applied a mutation.
    """

    def __init__(self, snapshot: Snapshot, *, lose_response_of: frozenset[int] = frozenset()) -> None:
        self.state = snapshot
        self.writes: list[Intent] = []
        self.reads = 0
        self.fresh_checks = 0
        self._lose = lose_response_of

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        self.reads += 1
        if all(fo.id != fulfillment_order_id for fo in self.state.fulfillment_orders):
            raise ShopifyNotFound(fulfillment_order_id)
        return self.state

    async def apply(self, intent: Intent, *, snapshot: Snapshot | None) -> IntentResult:
        if snapshot is None:
            self.fresh_checks += 1
        if self._in_effect(intent):
            return IntentResult(IntentOutcome.ALREADY_DONE, "already in effect")
        self._take_effect(intent)
        self.writes.append(intent)
        if len(self.writes) in self._lose:
            raise ShopifyUnavailable("connection dropped after the write", attempts=1)
        return IntentResult(IntentOutcome.APPLIED, "written")

    def _in_effect(self, intent: Intent) -> bool:
        order = self.state.order
        match intent:
            case MoveFulfillmentOrder():
                return self._fo(intent.fulfillment_order_id).assigned_location_id == intent.to_location_id
            case HoldFulfillmentOrder():
                return self._fo(intent.fulfillment_order_id).our_hold(intent.handle) is not None
            case ReleaseHold():
                return self._fo(intent.fulfillment_order_id).our_hold(intent.handle) is None
            case SetOrderMetafield():
                return order.metafields.get(f"{intent.namespace}.{intent.key}") == intent.value
            case AddOrderTags():
                return set(intent.tags) <= order.tags
        raise AssertionError(intent)

    def _take_effect(self, intent: Intent) -> None:
        order = self.state.order
        match intent:
            case MoveFulfillmentOrder():
                self._replace(intent.fulfillment_order_id, assigned_location_id=intent.to_location_id)
            case HoldFulfillmentOrder():
                fo = self._fo(intent.fulfillment_order_id)
                hold = Hold(
                    id=f"gid://shopify/FulfillmentHold/{len(self.writes) + 1}",
                    reason=intent.reason,
                    handle=intent.handle,
                    notes=intent.notes,
                    held_by_us=True,
                )
                self._replace(fo.id, status="ON_HOLD", holds=(*fo.holds, hold))
            case SetOrderMetafield():
                metafields = {**order.metafields, f"{intent.namespace}.{intent.key}": intent.value}
                self.state = self.state.model_copy(
                    update={"order": order.model_copy(update={"metafields": metafields})}
                )
            case AddOrderTags():
                tags = order.tags | set(intent.tags)
                self.state = self.state.model_copy(update={"order": order.model_copy(update={"tags": tags})})
            case _:
                raise AssertionError(intent)

    def _fo(self, fo_id: str) -> FulfillmentOrder:
        return next(fo for fo in self.state.fulfillment_orders if fo.id == fo_id)

    def _replace(self, fo_id: str, **changes: object) -> None:
        fos = tuple(
            fo.model_copy(update=changes) if fo.id == fo_id else fo for fo in self.state.fulfillment_orders
        )
        self.state = self.state.model_copy(update={"fulfillment_orders": fos})
