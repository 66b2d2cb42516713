"""In-memory stand-ins for the ports processing talks through, and a scripted `decide`."""

from __future__ import annotations

from adapters.shopify.errors import ShopifyNotFound, ShopifyUnavailable
from adapters.shopify.outcomes import IntentOutcome, IntentResult
from engine.decision import Decision, FulfillmentOrderOutcome
from engine.intents import (
    AddOrderTags,
    HoldFulfillmentOrder,
    Intent,
    MoveFulfillmentOrder,
    ReleaseHold,
    SetOrderMetafield,
    hold_handle,
)
from engine.model import FulfillmentOrder, Hold, Snapshot
from engine.ruleset import RuleSet


class FakeStore:
    """One store's state as a Snapshot; applies intents to it and records every write.

    `lose_response_of` lists write numbers (1-based) whose effect lands but whose answer is lost,
    as when a connection drops after Shopify applied a mutation.
    """

    def __init__(self, snapshot: Snapshot, *, lose_response_of: frozenset[int] = frozenset()) -> None:
        self.state = snapshot
        self.writes: list[Intent] = []
        self.reads = 0
        self.order_reads = 0
        self.fresh_checks = 0
        self.annotated_together = 0  # metafield + tags sent as one request
        self.decided_on: list[Snapshot | None] = []  # per apply call
        self._lose = lose_response_of

    async def read_snapshot(self, fulfillment_order_id: str) -> Snapshot:
        self.reads += 1
        if all(fo.id != fulfillment_order_id for fo in self.state.fulfillment_orders):
            raise ShopifyNotFound(fulfillment_order_id)
        return self.state

    async def read_order_snapshot(self, order_id: str) -> Snapshot:
        self.order_reads += 1
        if order_id != self.state.order.id:
            raise ShopifyNotFound(order_id)
        return self.state

    async def apply(
        self, intent: Intent, *, snapshot: Snapshot | None, decided_on: Snapshot | None = None
    ) -> IntentResult:
        self.decided_on.append(decided_on)
        if snapshot is None:
            self.fresh_checks += 1
        if self._in_effect(intent):
            return IntentResult(IntentOutcome.ALREADY_DONE, "already in effect")
        self._take_effect(intent)
        self.writes.append(intent)
        if len(self.writes) in self._lose:
            raise ShopifyUnavailable("connection dropped after the write", attempts=1)
        return IntentResult(IntentOutcome.APPLIED, "written")

    async def annotate_order(
        self, metafield: SetOrderMetafield, tags: AddOrderTags, *, snapshot: Snapshot | None
    ) -> tuple[IntentResult, IntentResult]:
        self.annotated_together += 1
        return (await self.apply(metafield, snapshot=snapshot), await self.apply(tags, snapshot=snapshot))

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
            case ReleaseHold():
                fo = self._fo(intent.fulfillment_order_id)
                holds = tuple(h for h in fo.holds if not (h.held_by_us and h.handle == intent.handle))
                self._replace(fo.id, status="ON_HOLD" if holds else "OPEN", holds=holds)
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


AWAITING_PAYMENT = hold_handle("AWAITING_PAYMENT")


def hold_until_paid(snapshot: Snapshot, ruleset: RuleSet) -> Decision:
    """A stand-in for `engine.decide` with one policy: hold open fulfillment orders until PAID.

    Unpaid: hold each open fulfillment order (AWAITING_PAYMENT). Paid: release that hold.
    Processing is specified with it whatever rule syntax the engine grows.
    """
    paid = snapshot.order.financial_status == "PAID"
    intents: list[Intent] = []
    outcomes = []
    for fo in snapshot.fulfillment_orders:
        ours = fo.our_hold(AWAITING_PAYMENT)
        if paid and ours is not None:
            intents.append(ReleaseHold(fulfillment_order_id=fo.id, handle=AWAITING_PAYMENT))
            outcomes.append(FulfillmentOrderOutcome(fulfillment_order_id=fo.id, action="keep"))
        elif not paid and ours is None and fo.status == "OPEN":
            intents.append(
                HoldFulfillmentOrder(
                    fulfillment_order_id=fo.id,
                    reason="AWAITING_PAYMENT",
                    notes="unpaid",
                    handle=AWAITING_PAYMENT,
                )
            )
            outcomes.append(FulfillmentOrderOutcome(fulfillment_order_id=fo.id, action="hold"))
        else:
            outcomes.append(FulfillmentOrderOutcome(fulfillment_order_id=fo.id, action="skip"))
    return Decision(
        store=snapshot.store,
        order_id=snapshot.order.id,
        order_name=snapshot.order.name,
        ruleset_version=ruleset.version,
        outcome="held" if not paid else "routed",
        fulfillment_orders=tuple(outcomes),
        intents=tuple(intents),
        trace=(),
    )
