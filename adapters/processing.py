"""Processing one stored delivery: snapshot → decide → record → execute, under the order's lock.

Which deliveries decide: `fulfillment_orders/order_routing_complete` decides the order of its
fulfillment order; an order event (`orders/paid`, `order_transactions/create`, and the order
topics a rule's `release_on` names, see `order_events`) decides its order again when that order
has fulfillment orders held by us or not yet decided (a hold that waits for payment is released
by the engine's new decision); the webhooks our own writes cause are recognised as echoes; every
other topic is only stored.

The steps, and why each is safe to repeat after a crash at any point:
1. Read the snapshot (no side effects). An order event takes the order's lease first and reads
   under it, so that it sees the holds of a decision that was being made meanwhile.
2. Take the order's lease; if the lease was busy, try again later.
3. Add the location load (orders already sent to each location today). Then, under the store's
   allocation lock, lower `available` by the units other orders' decisions reserved (moves Shopify
   may not count yet), recognise a state that was already decided (same fingerprint): nothing
   new is decided.
4. Record the decision, its outbox and the reservations of its moves in one transaction.
5. Execute each pending intent (`write_back`): mark it in flight, re-check its precondition, write, settle.
   A settled move releases its reservation (Shopify now counts the units itself).
   An intent found in flight after a crash is re-checked against a fresh read of Shopify, so a
   write that did land is recognised as done and is never made twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters import order_events
from adapters.decided_fulfillment_orders import Coverage, DecidedFulfillmentOrders
from adapters.delivery_steps import (
    MalformedDelivery,
    RetryLater,
    fulfillment_order_of,
    json_object,
)
from adapters.echoes import CAUSES, ECHO_TOPICS, fulfillment_order_ids, is_our_hold_echo
from adapters.events_of import decision_event
from adapters.metrics import NO_METRICS, Metrics
from adapters.order_lease import OrderLease
from adapters.ports import StoreGateway, TopicHandlers, VendorDesk
from adapters.shadow import ShadowMode
from adapters.store import DecisionLog, Delivery, Inbox, OrderLocks
from adapters.store.handoffs import EventPublisher
from adapters.store.reservations import Allocation, Reservations
from adapters.write_back import WriteBack
from engine import Decision, RuleSet, decide, decision_fingerprint
from engine.model import Snapshot

logger = logging.getLogger(__name__)

ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"
CLOCK_SKEW = timedelta(seconds=2)  # between replicas' clocks, as the reservations allow
# Fulfillment orders a decision can no longer change.
FINISHED_STATUSES = frozenset({"CLOSED", "CANCELLED", "INCOMPLETE"})

Decide = Callable[[Snapshot, RuleSet], Decision]
# A topic that only updates our own records (e.g. `inventory_levels/update` for the inventory view):
# called with the shop and the payload, it says what it did; it starts no decision.


def acts_on(topic: str, release_topics: frozenset[str] = frozenset()) -> bool:
    """Whether a delivery of `topic` needs processing (a decision or an echo check), not only storing."""
    return (
        topic == ROUTING_COMPLETE
        or topic in ECHO_TOPICS
        or topic in order_events.deciding_topics(release_topics)
    )


@dataclass(frozen=True, slots=True)
class Result:
    state: str  # done | ignored | echo
    note: str
    order_id: str | None = None
    decision_id: str | None = None


class OrderRouter:
    def __init__(
        self,
        *,
        stores: Mapping[str, StoreGateway],
        ruleset: Callable[[], RuleSet],
        inbox: Inbox,
        locks: OrderLocks,
        log: DecisionLog,
        lease_seconds: float,
        decide: Decide = decide,
        vendors: VendorDesk | None = None,
        reservations: Reservations | None = None,
        events: EventPublisher | None = None,
        topic_handlers: TopicHandlers | None = None,
        shadow: ShadowMode | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._stores = stores
        self._ruleset = ruleset
        self._inbox = inbox
        self._locks = locks
        self._log = log
        self._lease = lease_seconds
        self._decide = decide
        self._vendors = vendors
        self._reservations = reservations
        self._events = events
        self._handlers = topic_handlers
        self._shadow = shadow
        self._metrics = metrics
        self._acting: tuple[RuleSet, frozenset[str]] | None = None
        self._write_back = WriteBack(log=log, reservations=reservations, vendors=vendors)
        self._decided = DecidedFulfillmentOrders()

    def acts_on(self, topic: str) -> bool:
        """`acts_on` under the rule set serving now (its holds may release on more order topics).

        Asked by intake for every webhook: the topics are worked out once per rule set.
        """
        ruleset = self._ruleset()
        cached = self._acting
        if cached is None or cached[0] is not ruleset:
            release = ruleset.release_topics()
            handled = self._handlers.topics if self._handlers is not None else frozenset()
            deciding = order_events.deciding_topics(release)
            topics = frozenset({ROUTING_COMPLETE, *ECHO_TOPICS, *deciding, *handled})
            cached = self._acting = (ruleset, topics)
        return topic in cached[1]

    async def process(self, delivery: Delivery, *, owner: str) -> Result:
        """Process one leased delivery; `owner` identifies the worker (and holds the order lock)."""
        if delivery.taken_over_from is not None:  # its worker's lease expired mid-delivery
            self._metrics.lease_taken_over("delivery")
        body = json_object(delivery.body)
        deciding = order_events.deciding_topics(self._ruleset().release_topics())
        if self._handlers is not None and delivery.topic in self._handlers.topics:
            done = await self._handlers.on_webhook(delivery.shop, delivery.topic, body)
            if delivery.topic not in deciding:  # an order topic a rule releases on also decides
                return Result("done", done)
        if delivery.topic in ECHO_TOPICS:
            return await self._classify_echo(delivery.topic, body)
        if delivery.topic in deciding:
            return await self._order_event(delivery, body, owner)
        if delivery.topic != ROUTING_COMPLETE:
            return Result("ignored", f"stored; topic {delivery.topic} starts no decision")
        gateway = self._gateway(delivery)
        fulfillment_order_id = fulfillment_order_of(body)
        covered = await self._covered(delivery, fulfillment_order_id)
        if covered is not None:
            return covered
        ruleset = self._ruleset()
        read_at = self._read_time()
        started = self._log.now() - CLOCK_SKEW
        mark = await self._inbox.last_id()  # every delivery up to it arrived before this read
        snapshot = await gateway.read_snapshot(fulfillment_order_id)
        order_id = snapshot.order.id
        lock = OrderLease(self._locks, delivery.shop, order_id, owner, self._lease, metrics=self._metrics)
        if not await lock.renew():
            raise RetryLater(f"order {order_id} is being decided by another worker")
        try:
            # The read came before the lease: if another worker decided or wrote for this order
            # meanwhile (an order's fulfillment orders each send a webhook), read it again.
            if await self._log.changed_since(delivery.shop, order_id, started):
                read_at = self._read_time()
                snapshot = await gateway.read_order_snapshot(order_id)
            result = await self._decide_locked(delivery, gateway, ruleset, snapshot, lock, read_at)
        finally:
            await self._locks.release(delivery.shop, order_id, owner)
        if result.state == "done":
            fos = [fo.id for fo in snapshot.fulfillment_orders]
            self._decided.note(fos, Coverage(order_id, result.decision_id, mark))
        return result

    async def _covered(self, delivery: Delivery, fulfillment_order_id: str) -> Result | None:
        """Done already, if a decision of this process read the order after this webhook arrived
        (the order's other fulfillment orders' webhooks) and nothing of the order is unfinished."""
        known = self._decided.covering(fulfillment_order_id, delivery.id)
        if known is None or await self._log.for_delivery(delivery.id) is not None:
            return None
        if await self._log.unfinished(delivery.shop, known.order_id):
            return None
        which = f"decision {known.decision_id}" if known.decision_id else "an earlier decision"
        note = f"{fulfillment_order_id}: decided by {which}, from a read made after this webhook arrived"
        return Result("done", note, known.order_id, known.decision_id)

    async def _order_event(self, delivery: Delivery, body: dict[str, Any], owner: str) -> Result:
        """Decide the order again if it has fulfillment orders held by us or not yet decided."""
        order_id = order_events.order_id(delivery.topic, body)
        if order_id is None:
            raise MalformedDelivery(
                f"{delivery.topic} payload names no order (expected admin_graphql_api_id or id of an "
                "order, or order_id of a transaction)"
            )
        gateway = self._gateway(delivery)
        ruleset = self._ruleset()
        lock = OrderLease(self._locks, delivery.shop, order_id, owner, self._lease, metrics=self._metrics)
        if not await lock.renew():
            raise RetryLater(f"order {order_id} is being decided by another worker")
        try:
            # Read under the lease: a decision made meanwhile (a hold awaiting payment) is seen.
            read_at = self._read_time()
            snapshot = await gateway.read_order_snapshot(order_id)
            why = await self._why_decide_again(delivery, snapshot)
            if why is None:
                return Result(
                    "ignored",
                    f"{delivery.topic}: no fulfillment order of {snapshot.order.name or order_id} "
                    "is held by us or undecided",
                    order_id,
                )
            logger.info(
                "%s for %s: deciding again (%s)", delivery.topic, snapshot.order.name or order_id, why
            )
            return await self._decide_locked(delivery, gateway, ruleset, snapshot, lock, read_at)
        finally:
            await self._locks.release(delivery.shop, order_id, owner)

    async def _why_decide_again(self, delivery: Delivery, snapshot: Snapshot) -> str | None:
        # A decision cut short by a crash is finished first, whatever the order looks like now.
        if await self._log.for_delivery(delivery.id) is not None:
            return "resuming the decision this delivery started"
        if await self._log.unfinished(delivery.shop, snapshot.order.id):
            return "finishing an earlier decision"
        live = [fo for fo in snapshot.fulfillment_orders if fo.status not in FINISHED_STATUSES]
        held = [fo.id for fo in live if any(hold.held_by_us for hold in fo.holds)]
        if held:
            return f"held by us: {', '.join(held)}"
        seen = await self._log.fulfillment_orders_seen(delivery.shop, snapshot.order.id)
        undecided = [fo.id for fo in live if fo.id not in seen]
        if undecided:
            return f"undecided: {', '.join(undecided)}"
        return None

    def _read_time(self) -> datetime | None:
        """When a snapshot read starts, on the reservations' clock: releases after it still count."""
        return None if self._reservations is None else self._reservations.now()

    def _gateway(self, delivery: Delivery) -> StoreGateway:
        gateway = self._stores.get(delivery.shop)
        if gateway is None:
            raise MalformedDelivery(f"shop {delivery.shop} is no longer configured")
        return gateway

    async def _decide_locked(
        self,
        delivery: Delivery,
        gateway: StoreGateway,
        ruleset: RuleSet,
        snapshot: Snapshot,
        lock: OrderLease,
        read_at: datetime | None,
    ) -> Result:
        order_id = snapshot.order.id
        mine = await self._log.for_delivery(delivery.id)
        if mine is not None:  # recorded before a crash: finish it, never decide again
            state = await self._write_back.execute(mine.id, gateway, lock, snapshot=None)
            return Result("done", f"resumed decision {mine.id}: {state}", order_id, mine.id)
        unfinished = await self._log.unfinished(delivery.shop, order_id)
        for earlier in unfinished:  # another delivery's decision, cut short by a crash
            await self._write_back.execute(earlier.id, gateway, lock, snapshot=None)
        if unfinished:
            read_at = self._read_time()
            snapshot = await gateway.read_order_snapshot(order_id)
        # The order itself is left out of the load, so its own earlier placement never counts against it.
        load = await self._log.load.counts(snapshot, besides=[order_id])
        snapshot = snapshot.model_copy(update={"location_load": load})
        if self._vendors is not None:
            snapshot = await self._vendors.with_vendors(snapshot)
        recorded = await self._decide_and_record(delivery, ruleset, snapshot, read_at)
        if isinstance(recorded, Result):
            return recorded
        decision, decision_id, snapshot = recorded
        if self._shadow is not None:  # shadow mode: the shadow rules decide the same input; never executed
            await self._shadow.after_live(decision_id, decision, snapshot)
        logger.info(
            "decision %s shop=%s order=%s outcome=%s intents=%d webhook_id=%s",
            decision_id,
            delivery.shop,
            decision.order_name or order_id,
            decision.outcome,
            len(decision.intents),
            delivery.webhook_id,
        )
        self._metrics.decision_made(decision)
        state = await self._write_back.execute(decision_id, gateway, lock, snapshot=snapshot)
        return Result("done", f"decision {decision_id}: {decision.outcome}, {state}", order_id, decision_id)

    async def _decide_and_record(
        self, delivery: Delivery, ruleset: RuleSet, snapshot: Snapshot, read_at: datetime | None
    ) -> Result | tuple[Decision, str, Snapshot]:
        """Fingerprint, decide and record (with reservations: under the store's allocation lock, in
        one transaction with the decision's reservations), or the Result saying why not."""
        if self._reservations is None:
            return await self._record(delivery, ruleset, snapshot, None)
        async with self._reservations.allocating(snapshot.store) as allocation:
            snapshot = await allocation.lowered(snapshot, read_at)
            return await self._record(delivery, ruleset, snapshot, allocation)

    async def _record(
        self, delivery: Delivery, ruleset: RuleSet, snapshot: Snapshot, allocation: Allocation | None
    ) -> Result | tuple[Decision, str, Snapshot]:
        order_id = snapshot.order.id
        session = None if allocation is None else allocation.session
        fingerprint = decision_fingerprint(snapshot, ruleset)
        already = await self._log.find(delivery.shop, order_id, fingerprint, session=session)
        if already is not None:
            return Result("done", f"state already decided by decision {already.id}", order_id, already.id)
        decision = self._decide(snapshot, ruleset)
        decision_id = await self._log.record(
            decision, snapshot, fingerprint=fingerprint, delivery_id=delivery.id, session=session
        )
        if decision_id is None:  # another replica recorded the same state a moment ago
            return Result("done", "state decided concurrently by another worker", order_id)
        if allocation is not None:
            await allocation.reserve(decision_id, decision, snapshot)
        if self._events is not None:  # for the coordination service; with the decision where we can
            await self._events.publish(
                "decision.made", decision_event(decision_id, decision), session=session
            )
        return decision, decision_id, snapshot

    async def _classify_echo(self, topic: str, body: dict[str, Any]) -> Result:
        if is_our_hold_echo(topic, body):
            return Result("echo", "our own hold (handle carries our prefix)")
        kinds = CAUSES.get(topic)
        ids = fulfillment_order_ids(body)
        if kinds and ids and await self._log.applied_on(ids, kinds):
            return Result("echo", f"caused by our own {'/'.join(kinds)} on {ids[0]}")
        return Result("ignored", f"{topic} not caused by us; starts no decision")
