"""Apply the engine's intents to Shopify, each after re-checking its precondition.

With a `snapshot` (read moments ago under the order lock) the check runs against it; without
one, or when the snapshot cannot answer (the fulfillment order is not in it, `locationsForMove`
did not cover the target, the metafield digest is needed), one fresh state read is made.
Outcomes are decided in `preconditions` and here:

- APPLIED: the mutation ran without userErrors; `new_ids` and `created_ids` follow the ids
  Shopify returned (see `IntentResult`).
- ALREADY_DONE: the effect is already there, or Shopify says so (DUPLICATE_FULFILLMENT_HOLD_HANDLE).
- SUPERSEDED: someone else changed the state (closed, moved elsewhere, held by others, the
  metafield changed since we read it: STALE_OBJECT).
- FAILED: any other userError or GraphQL error, with Shopify's messages.

Transport, auth and throttling errors propagate: the intent stays pending and is retried, and a
retry re-checks the precondition first, which is what makes a lost response safe. A partial move
is the one write whose precondition still holds after it landed (the original keeps the rest of
a larger line), so before one is written without a snapshot (a retry) the order's fulfillment
orders are read to recognise the one it created (`placement`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.shopify import documents, mapping, mutations
from adapters.shopify.answered_states import AnsweredStates
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyQueryError, ShopifyUserError
from adapters.shopify.outcomes import IntentOutcome, IntentResult, already_done, applied, failed, superseded
from adapters.shopify.placement import carved_out, read_line_placement
from adapters.shopify.preconditions import FINISHED_STATUSES, check_hold, check_move, hold_to_release
from adapters.shopify.sansio import user_errors
from adapters.shopify.snapshot import move_variables
from engine.intents import (
    DECISION_METAFIELD_KEY,
    DECISION_METAFIELD_NAMESPACE,
    AddOrderTags,
    HoldFulfillmentOrder,
    Intent,
    LineQuantity,
    MoveFulfillmentOrder,
    ReleaseHold,
    SetOrderMetafield,
)
from engine.model import FulfillmentOrder, Snapshot

__all__ = ["Executor", "IntentOutcome", "IntentResult"]

_SUPERSEDING_METAFIELD_CODES = frozenset({"STALE_OBJECT", "INVALID_COMPARE_DIGEST"})


@dataclass(frozen=True)
class _FulfillmentOrderState:
    fulfillment_order: FulfillmentOrder | None
    siblings: tuple[FulfillmentOrder, ...] = ()
    move_refusal: str | None = None


@dataclass(frozen=True)
class _OrderState:
    found: bool
    tags: frozenset[str] = frozenset()
    metafield_value: str | None = None
    compare_digest: str | None = None


class Executor:
    """Turns intents into mutations for one store."""

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client
        self._answered = AnsweredStates()

    def read(self, snapshot: Snapshot) -> None:
        """Note the statuses an order read just gave (a hold moments later needs no read)."""
        self._answered.remember_read({fo.id: fo.status for fo in snapshot.fulfillment_orders})

    async def apply(
        self, intent: Intent, *, snapshot: Snapshot | None = None, decided_on: Snapshot | None = None
    ) -> IntentResult:
        """Apply one intent. `snapshot`: state read moments ago under the order lock (None: read
        afresh); `decided_on`: the snapshot the intent's decision was made from, so that a retry
        can tell fulfillment orders that were already there from the ones an earlier attempt made.
        """
        try:
            if isinstance(intent, MoveFulfillmentOrder):
                return await self._move(intent, snapshot, decided_on)
            if isinstance(intent, HoldFulfillmentOrder):
                return await self._hold(intent, snapshot)
            if isinstance(intent, ReleaseHold):
                return await self._release(intent, snapshot)
            if isinstance(intent, SetOrderMetafield):
                return await self._set_metafield(intent, snapshot)
            if isinstance(intent, AddOrderTags):
                return await self._add_tags(intent, snapshot)
            # A purchase order is the vendors' to execute (adapters.vendors.desk), never Shopify's alone.
            return failed(f"{intent.kind} intents are executed by the vendor desk, not the Shopify executor")
        except ShopifyUserError as exc:
            return failed(str(exc), dict(exc.payload) if exc.payload is not None else None)
        except ShopifyQueryError as exc:
            return failed(str(exc))

    # --- fulfillment orders ------------------------------------------------------------------

    async def _move(
        self, intent: MoveFulfillmentOrder, snapshot: Snapshot | None, decided_on: Snapshot | None
    ) -> IntentResult:
        state = _from_snapshot(snapshot, intent.fulfillment_order_id)
        verdict = check_move(intent, state.fulfillment_order, state.siblings) if state else None
        if state is None or (verdict is not None and verdict.outcome is IntentOutcome.FAILED):
            # A refusal must come from Shopify's own answer for this target, with its message.
            state = await self._read_fulfillment_order(intent.fulfillment_order_id, [intent.to_location_id])
            verdict = check_move(intent, state.fulfillment_order, state.siblings, state.move_refusal)
        if verdict is not None:
            return verdict
        if intent.lines and snapshot is None:
            landed = await self._carved_out(
                intent.fulfillment_order_id, intent.lines, intent.to_location_id, decided_on
            )
            if landed is not None:
                return already_done(
                    f"an earlier attempt moved these lines of {intent.fulfillment_order_id} to "
                    f"{intent.to_location_id} as {landed}",
                    created_ids=(landed,),
                )
        payload = await mutations.move_fulfillment_order(
            self.client, intent.fulfillment_order_id, intent.to_location_id, intent.lines
        )
        self._answered.remember_move(payload)
        return _moved(intent, payload)

    async def _carved_out(
        self,
        fulfillment_order_id: str,
        lines: Sequence[LineQuantity],
        location_id: str | None,
        decided_on: Snapshot | None,
    ) -> str | None:
        """The fulfillment order an earlier attempt of a partial move or split created, if it landed."""
        placement = await read_line_placement(self.client, fulfillment_order_id)
        known = {fo.id for fo in decided_on.fulfillment_orders} if decided_on is not None else set()
        return carved_out(placement, fulfillment_order_id, lines, location_id, known)

    async def _hold(self, intent: HoldFulfillmentOrder, snapshot: Snapshot | None) -> IntentResult:
        answered = self._answered.take(intent.fulfillment_order_id) if snapshot is None else None
        if answered in FINISHED_STATUSES:
            return superseded(f"{intent.fulfillment_order_id} is {answered}")
        # ON_HOLD may be our own hold, landed before a crash cut the decision short: read its holds,
        # or the hold is sent twice (Shopify refuses the second, but it is a write made twice).
        if answered is None or answered == "ON_HOLD":
            state = await self._state_for(intent.fulfillment_order_id, snapshot)
            verdict = check_hold(intent, state.fulfillment_order)
            if verdict is not None:
                return verdict
        # else our read or move answered moments ago: Shopify's answer to the hold decides the rest.
        try:
            payload = await mutations.hold_fulfillment_order(
                self.client,
                intent.fulfillment_order_id,
                reason=intent.reason,
                notes=intent.notes,
                handle=intent.handle,
                lines=intent.lines,
            )
        except ShopifyUserError as exc:
            if "DUPLICATE_FULFILLMENT_HOLD_HANDLE" in exc.codes:
                return already_done(f"Shopify already has our hold {intent.handle}: {exc}")
            raise
        held = (payload.get("fulfillmentOrder") or {}).get("id") or intent.fulfillment_order_id
        remaining = (payload.get("remainingFulfillmentOrder") or {}).get("id")
        new_ids = {intent.fulfillment_order_id: held} if held != intent.fulfillment_order_id else {}
        detail = f"held {held} ({intent.reason}, {intent.handle})"
        if remaining:
            detail += f"; lines not held are now in {remaining}"
        return applied(detail, payload, new_ids, created_ids=(remaining,) if remaining else ())

    async def _release(self, intent: ReleaseHold, snapshot: Snapshot | None) -> IntentResult:
        state = await self._state_for(intent.fulfillment_order_id, snapshot)
        hold = hold_to_release(intent, state.fulfillment_order)
        if isinstance(hold, IntentResult):
            return hold
        try:
            payload = await mutations.release_holds(self.client, intent.fulfillment_order_id, [hold.id])
        except ShopifyUserError:
            # Our view was older than Shopify's (someone released it meanwhile, e.g. a vendor's
            # 856): what Shopify says now decides, not the refusal.
            if snapshot is None:
                raise
            fresh = await self._read_fulfillment_order(intent.fulfillment_order_id, [])
            again = hold_to_release(intent, fresh.fulfillment_order)
            if isinstance(again, IntentResult):
                return again
            raise
        status = (payload.get("fulfillmentOrder") or {}).get("status")
        return applied(
            f"released our hold {intent.handle} ({hold.id}) on {intent.fulfillment_order_id}; now {status}",
            payload,
        )

    async def _state_for(
        self, fulfillment_order_id: str, snapshot: Snapshot | None
    ) -> _FulfillmentOrderState:
        state = _from_snapshot(snapshot, fulfillment_order_id)
        if state is None or state.fulfillment_order is None:
            return await self._read_fulfillment_order(fulfillment_order_id, [])
        return state

    async def _read_fulfillment_order(
        self, fulfillment_order_id: str, candidate_location_ids: list[str]
    ) -> _FulfillmentOrderState:
        variables = {"id": fulfillment_order_id, **move_variables(candidate_location_ids)}
        data = await self.client.execute(documents.FULFILLMENT_ORDER_STATE, variables)
        node = data.get("fulfillmentOrder")
        if node is None:
            return _FulfillmentOrderState(None)
        siblings = tuple(
            mapping.map_fulfillment_order(sibling)
            for sibling in mapping.nodes(node["order"]["fulfillmentOrders"])
        )
        refusal = None
        if candidate_location_ids:
            refusal = mapping.move_refusal(node.get("locationsForMove"), candidate_location_ids[0])
        return _FulfillmentOrderState(mapping.map_fulfillment_order(node), siblings, refusal)

    # --- orders --------------------------------------------------------------------------------

    async def annotate_order(
        self, metafield: SetOrderMetafield, tags: AddOrderTags, snapshot: Snapshot | None = None
    ) -> tuple[IntentResult, IntentResult]:
        """Both order annotations, each re-checked as on its own, written in one request."""
        try:
            metafield_plan = await self._plan_metafield(metafield, snapshot)
            tags_plan = await self._plan_tags(tags, snapshot)
            if isinstance(metafield_plan, IntentResult) or isinstance(tags_plan, IntentResult):
                return await self.apply(metafield, snapshot=snapshot), await self.apply(
                    tags, snapshot=snapshot
                )
            payloads = await mutations.annotate_order(
                self.client, _metafield_variables(metafield, metafield_plan), tags.order_id, tags_plan
            )
        except ShopifyQueryError as exc:
            return failed(str(exc)), failed(str(exc))
        return (
            _metafield_written(metafield, payloads[0]),
            _tags_written(tags, tags_plan, payloads[1]),
        )

    async def _set_metafield(self, intent: SetOrderMetafield, snapshot: Snapshot | None) -> IntentResult:
        plan = await self._plan_metafield(intent, snapshot)
        if isinstance(plan, IntentResult):
            return plan
        try:
            written = await mutations.set_metafield(
                self.client,
                intent.order_id,
                namespace=intent.namespace,
                key=intent.key,
                type=intent.type,
                value=intent.value,
                compare_digest=plan.digest,
            )
        except ShopifyUserError as exc:
            return _metafield_refused(intent, exc)
        return applied(f"set {intent.namespace}.{intent.key} on {intent.order_id}", written)

    async def _plan_metafield(
        self, intent: SetOrderMetafield, snapshot: Snapshot | None
    ) -> IntentResult | _MetafieldWrite:
        """Done or superseded already, or the compare digest the write must carry."""
        name = f"{intent.namespace}.{intent.key}"
        known = (
            snapshot is not None
            and snapshot.order.id == intent.order_id
            and name == mapping.DECISION_METAFIELD
        )
        current = snapshot.order.metafields.get(name) if snapshot is not None and known else None
        if known and current == intent.value:
            return already_done(f"{name} already holds this value")
        if known and current is None:
            return _MetafieldWrite(digest=None)  # none there: "must not exist yet"
        # Another value is there (or we do not know): its digest makes the write compare-and-set.
        state = await self._read_order(intent.order_id, intent.namespace, intent.key)
        if not state.found:
            return superseded(f"order {intent.order_id} not found")
        if state.metafield_value == intent.value:
            return already_done(f"{name} already holds this value")
        return _MetafieldWrite(digest=state.compare_digest)

    async def _add_tags(self, intent: AddOrderTags, snapshot: Snapshot | None) -> IntentResult:
        plan = await self._plan_tags(intent, snapshot)
        if isinstance(plan, IntentResult):
            return plan
        payload = await mutations.add_tags(self.client, intent.order_id, plan)
        return applied(f"tagged {intent.order_id} with {', '.join(plan)}", payload)

    async def _plan_tags(self, intent: AddOrderTags, snapshot: Snapshot | None) -> IntentResult | list[str]:
        """Done or superseded already, or the tags still missing."""
        if snapshot is not None and snapshot.order.id == intent.order_id:
            present = snapshot.order.tags
        else:
            state = await self._read_order(
                intent.order_id, DECISION_METAFIELD_NAMESPACE, DECISION_METAFIELD_KEY
            )
            if not state.found:
                return superseded(f"order {intent.order_id} not found")
            present = state.tags
        missing = [tag for tag in intent.tags if tag not in present]
        if not missing:
            return already_done(f"order {intent.order_id} already has tags {', '.join(intent.tags)}")
        return missing

    async def _read_order(self, order_id: str, namespace: str, key: str) -> _OrderState:
        data = await self.client.execute(
            documents.ORDER_STATE, {"id": order_id, "namespace": namespace, "key": key}
        )
        node: dict[str, Any] | None = data.get("order")
        if node is None:
            return _OrderState(found=False)
        metafield = node.get("metafield") or {}
        return _OrderState(
            found=True,
            tags=frozenset(node.get("tags") or ()),
            metafield_value=metafield.get("value"),
            compare_digest=metafield.get("compareDigest"),
        )


@dataclass(frozen=True)
class _MetafieldWrite:
    digest: str | None


def _metafield_variables(intent: SetOrderMetafield, plan: _MetafieldWrite) -> dict[str, Any]:
    return mutations.metafield_input(
        intent.order_id,
        namespace=intent.namespace,
        key=intent.key,
        type=intent.type,
        value=intent.value,
        compare_digest=plan.digest,
    )


def _metafield_refused(intent: SetOrderMetafield, exc: ShopifyUserError) -> IntentResult:
    name = f"{intent.namespace}.{intent.key}"
    if exc.codes & _SUPERSEDING_METAFIELD_CODES:
        return superseded(f"{name} changed since it was read: {exc}")
    return failed(str(exc), dict(exc.payload) if exc.payload is not None else None)


def _metafield_written(intent: SetOrderMetafield, payload: dict[str, Any]) -> IntentResult:
    errors = user_errors(payload)
    if errors:
        return _metafield_refused(intent, ShopifyUserError("metafieldsSet", errors, payload=payload))
    return applied(f"set {intent.namespace}.{intent.key} on {intent.order_id}", payload)


def _tags_written(intent: AddOrderTags, missing: list[str], payload: dict[str, Any]) -> IntentResult:
    errors = user_errors(payload)
    if errors:
        return failed(str(ShopifyUserError("tagsAdd", errors, payload=payload)), payload)
    return applied(f"tagged {intent.order_id} with {', '.join(missing)}", payload)


def _moved(intent: MoveFulfillmentOrder, payload: dict[str, Any]) -> IntentResult:
    """APPLIED, with what became of the fulfillment order's id.

    A partial move carves the lines out into a new fulfillment order and the original keeps the
    rest (move-multi-line recording): the new one is created, the original still stands. When the
    original is closed instead (Shopify moved everything as a new fulfillment order), the new
    one stands in for it.
    """
    original = intent.fulfillment_order_id
    moved = (payload.get("movedFulfillmentOrder") or {}).get("id") or original
    detail = f"moved {original} to {intent.to_location_id}"
    if moved == original:
        return applied(detail, payload)
    original_status = (payload.get("originalFulfillmentOrder") or {}).get("status")
    if original_status in FINISHED_STATUSES or not intent.lines:
        return applied(f"{detail} as {moved}", payload, {original: moved})
    return applied(f"{detail}: the lines are now in {moved}", payload, created_ids=(moved,))


def _from_snapshot(snapshot: Snapshot | None, fulfillment_order_id: str) -> _FulfillmentOrderState | None:
    if snapshot is None:
        return None
    fo = next((fo for fo in snapshot.fulfillment_orders if fo.id == fulfillment_order_id), None)
    return _FulfillmentOrderState(fo, snapshot.fulfillment_orders) if fo is not None else None
