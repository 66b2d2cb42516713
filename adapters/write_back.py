"""Writing a recorded decision back into Shopify: its pending intents in order, under the order's lease.

Each intent is marked in flight, its precondition checked (against the snapshot the decision was
made on for a first attempt; against a fresh read for a retry, an intent left in flight by a crash,
or one aimed at a fulfillment order a split renamed), written and settled, each step in the
decision log. A settled move releases its reservation at once (Shopify now counts the units itself);
purchase orders and hand-offs go to the desk of outside sources.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.delivery_steps import RetryLater, annotation_pair, collect_new_ids, renamed_intent, settled_row
from adapters.order_lease import OrderLease
from adapters.ports import StoreGateway, VendorDesk
from adapters.shopify.outcomes import IntentOutcome, IntentResult
from adapters.store import DecisionLog, StoredIntent
from adapters.store.decision_log import FINAL_INTENT_STATES
from adapters.store.reservations import Reservations, moves_units
from engine.intents import AddOrderTags, HandOff, SendPurchaseOrder, SetOrderMetafield
from engine.model import Snapshot

logger = logging.getLogger(__name__)


class WriteBack:
    def __init__(
        self, *, log: DecisionLog, reservations: Reservations | None, vendors: VendorDesk | None
    ) -> None:
        self._log = log
        self._reservations = reservations
        self._vendors = vendors

    async def execute(
        self, decision_id: str, gateway: StoreGateway, lock: OrderLease, *, snapshot: Snapshot | None
    ) -> str:
        """Apply the decision's pending intents in order; returns the decision's final state."""
        renamed: dict[str, str] = {}
        failed = 0
        decided_on = snapshot  # the decision's own input; read from the log when resuming
        stored_intents = await self._log.intents(decision_id)
        # Settled with the next batch's in-flight mark (or the decision's completion).
        written: list[tuple[int, str, dict[str, Any]]] = []
        settled_moves: list[str] = []  # idempotency keys whose reservations are to be released
        index = 0
        while index < len(stored_intents):
            stored = stored_intents[index]
            collect_new_ids(stored, renamed)
            if stored.state in FINAL_INTENT_STATES:
                failed += stored.state == "failed"
                if moves_units(stored.intent):  # settled before a crash; its release may not have been
                    settled_moves.append(stored.idempotency_key)
                index += 1
                continue
            batch = annotation_pair(stored_intents, index) or [stored]
            intents = [renamed_intent(item.intent, renamed) for item in batch]
            # A first attempt checks against the snapshot read under this lock; a retry, an
            # intent left in flight by a crash, or one aimed at a renamed FO reads Shopify again.
            first_try = all(
                item.state == "pending" and intent == item.intent
                for item, intent in zip(batch, intents, strict=True)
            )
            fresh = snapshot if first_try else None
            if not await lock.renew():  # the worker that took it over counted the takeover
                await self._log.advance(settled=written)
                raise RetryLater(f"lost the lock on order {lock.order_id}; another worker took over")
            if fresh is None and decided_on is None:
                decided_on = await self._log.snapshot_of(decision_id)
            # The writes before are settled and this batch marked in flight in one transaction.
            await self._log.advance(settled=written, in_flight=[item.id for item in batch])
            written = []
            if len(batch) == 2:
                metafield, tags = intents
                assert isinstance(metafield, SetOrderMetafield) and isinstance(tags, AddOrderTags)
                results: tuple[IntentResult, ...] = await gateway.annotate_order(
                    metafield, tags, snapshot=fresh
                )
            elif isinstance(intents[0], SendPurchaseOrder | HandOff):
                results = (await self._buy(intents[0], gateway, fresh, decided_on, batch[0]),)
            else:
                results = (await gateway.apply(intents[0], snapshot=fresh, decided_on=decided_on),)
            for item, intent, result in zip(batch, intents, results, strict=True):
                renamed.update(result.new_ids)
                written.append((item.id, result.outcome.value, settled_row(intent, result)))
                if result.outcome is IntentOutcome.FAILED:
                    failed += 1
                    logger.warning("intent %s failed: %s", item.idempotency_key, result.detail)
                if moves_units(intent):
                    settled_moves.append(item.idempotency_key)
            # Landed (Shopify counts the units now), failed or superseded (nothing moved): release
            # at once, since a snapshot read meanwhile would count the units twice.
            await self._release(settled_moves)
            index += len(batch)
        await self._release(settled_moves)
        final = "failed" if failed else "completed"
        await self._log.advance(settled=written, completed=(decision_id, final))
        return final

    async def _release(self, settled_moves: list[str]) -> None:
        if self._reservations is not None and settled_moves:
            await self._reservations.release_for_intents(settled_moves)
        settled_moves.clear()  # released once

    async def _buy(
        self,
        intent: SendPurchaseOrder | HandOff,
        gateway: StoreGateway,
        snapshot: Snapshot | None,
        decided_on: Snapshot | None,
        stored: StoredIntent,
    ) -> IntentResult:
        if self._vendors is None:  # a decision recorded while vendors or stand-ins were configured
            why = f"{intent.kind}: no vendors or stand-ins are configured any more"
            return IntentResult(IntentOutcome.FAILED, why)
        return await self._vendors.buy(
            intent, gateway, snapshot=snapshot, decided_on=decided_on, key=stored.idempotency_key
        )
