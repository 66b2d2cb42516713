"""The hand-off desk: cross-store fulfilment between the engine, the hand-off book and two stores.

For a decision in store A it adds A's stand-ins (locations of A standing for a location of B, the
stores file's `stand_ins`) as sources of kind "store", with B's `available` at the real location
read now for the order's SKUs: the engine decides on B's figures, and A's stand-in is set to them
(`inventorySetQuantities`, keyed) so that A's admin shows the same. The order's open hand-offs are
the lines awaiting the other store; a failed one refuses its lines there.

Executing `HandOff` (each store written with its own credentials only):
1. move the lines in A to the stand-in (a partial move carves them out);
2. open the hand-off in SQL (keyed by the intent: a retry finds it), `handoff.created` event;
3. hold them in A under `routing-engine.handed-off`, the note naming the other store;
4. mode `linked_order`: create the linked order in B (tagged, metafield pointing back), first
   looking for one an earlier attempt made (orderCreate takes no idempotency key); mode
   `coordinator`: the event is the coordination service's cue, it reports through the API.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.outside_moves import move_to
from adapters.ports import HandOffStoreGateway, StoreGateway
from adapters.settings import StandInConfig, StoreConfig
from adapters.shopify.errors import ShopifyUserError
from adapters.shopify.linked_orders import LinkedOrder, LinkOrigin
from adapters.shopify.outcomes import IntentResult, already_done, applied, failed
from adapters.shopify.snapshot import read_inventory
from adapters.store.handoffs import HandOff as HandOffRecord
from adapters.store.handoffs import HandOffBook, HandOffLine
from engine.intents import LINKED_ORDER_TAG, HandOff, HoldFulfillmentOrder
from engine.model import Snapshot, Vendor, VendorLine, VendorLineStatus

logger = logging.getLogger(__name__)

LINK_TAG = LINKED_ORDER_TAG  # the fulfilling store's rules leave the linked order where it is put


@dataclass(frozen=True, slots=True)
class StandIn:
    """A configured stand-in, resolved: ids in both stores."""

    origin_store: str
    stand_in_id: str
    fulfilling_store: str
    location_id: str
    location_name: str

    @property
    def source_id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.location_name.lower()).strip("-")
        return f"store:{self.fulfilling_store}:{slug}"


class HandOffDesk:
    def __init__(
        self,
        stores: Sequence[StoreConfig],
        *,
        book: HandOffBook,
        gateways: Mapping[str, HandOffStoreGateway],
        redecide: Callable[[HandOffRecord], Awaitable[None]] | None = None,
    ) -> None:
        self.configs = {store.domain: store for store in stores}
        self.book = book
        self.gateways = gateways
        self.redecide = redecide
        # (stand-in, item) -> the last change this desk sent there (from, to) and when it landed.
        self._in_step: dict[tuple[str, str], tuple[int, int, datetime | None]] = {}

    def has_stand_ins(self, store: str) -> bool:
        config = self.configs.get(store)
        return bool(config and config.stand_ins)

    # --- the decision's view -------------------------------------------------------------------

    async def with_stand_ins(self, snapshot: Snapshot) -> Snapshot:
        config = self.configs.get(snapshot.store)
        if config is None or not config.stand_ins:
            return snapshot
        stand_ins = [
            s for entry in config.stand_ins if (s := await self._resolve(snapshot, entry)) is not None
        ]
        if not stand_ins:
            return snapshot
        sources = tuple(
            Vendor(
                id=s.source_id,
                name=f"{s.location_name} ({s.fulfilling_store.removesuffix('.myshopify.com')})",
                location_id=s.stand_in_id,
                kind="store",
                store=s.fulfilling_store,
                remote_location_id=s.location_id,
                remote_name=s.location_name,
            )
            for s in stand_ins
        )
        records = await self.book.for_order(snapshot.store, snapshot.order.id)
        inventory = _less_unlinked(
            await self._remote_stock(snapshot, stand_ins), snapshot, stand_ins, records
        )
        return snapshot.model_copy(
            update={
                "vendors": (*snapshot.vendors, *sources),
                "vendor_lines": (*snapshot.vendor_lines, *_lines(records, snapshot, stand_ins)),
                "inventory": inventory,
            }
        )

    async def _resolve(self, snapshot: Snapshot, entry: StandInConfig) -> StandIn | None:
        here = next((loc.id for loc in snapshot.locations if entry.stand_in in (loc.id, loc.name)), None)
        gateway = self.gateways.get(entry.store)
        if here is None or gateway is None:
            logger.warning(
                "stand-in %r of %s: not found in %s", entry.stand_in, entry.location, snapshot.store
            )
            return None
        there = await gateway.locations.get()  # type: ignore[attr-defined]
        remote = next((loc for loc in there if entry.location in (loc.id, loc.name)), None)
        if remote is None:
            logger.warning("stand-in %r: no location %r in %s", entry.stand_in, entry.location, entry.store)
            return None
        return StandIn(snapshot.store, here, entry.store, remote.id, remote.name)

    async def _remote_stock(self, snapshot: Snapshot, stand_ins: list[StandIn]) -> dict[str, dict[str, int]]:
        """The snapshot's inventory with each stand-in's figures replaced by the real location's."""
        inventory = {item: dict(levels) for item, levels in snapshot.inventory.items()}
        items = {
            line.sku: line.inventory_item_id
            for _, line in snapshot.lines()
            if line.sku and line.inventory_item_id
        }
        for stand_in in stand_ins:
            there_gateway = self.gateways.get(stand_in.fulfilling_store)
            if there_gateway is None or not items:
                continue
            there = await _available_at(there_gateway, sorted(items), stand_in.location_id)
            for sku, item in items.items():
                inventory.setdefault(item, {})[stand_in.stand_in_id] = there.get(sku, 0)
            await self._keep_in_step(snapshot, stand_in, items, there)
        return inventory

    async def _keep_in_step(
        self, snapshot: Snapshot, stand_in: StandIn, items: Mapping[str, str], there: Mapping[str, int]
    ) -> None:
        """Set the stand-in's `available` in A to B's where they differ (A's admin shows B's stock).

        A compare-and-set from the figure this snapshot read, keyed by that change and the read: a
        write from a state that moved meanwhile is refused (the next decision sets it again), and
        decisions read before a write this desk made for the same change skip it, so a burst sends
        each change once.
        """
        read_at = _when(snapshot.read_at)
        changed: dict[str, int] = {}
        change_from: dict[str, int] = {}
        for sku, item in items.items():
            here, wanted = snapshot.available(item, stand_in.stand_in_id), there.get(sku, 0)
            sent = self._in_step.get((stand_in.stand_in_id, item))
            # The same change in flight, or landed after this snapshot was read: nothing new to set.
            if here == wanted or (
                sent and sent[:2] == (here, wanted) and (not sent[2] or read_at <= sent[2])
            ):
                continue
            changed[item], change_from[item] = wanted, here
            self._in_step[(stand_in.stand_in_id, item)] = (here, wanted, None)
        if not changed:
            return
        change = sorted((item, change_from[item], wanted) for item, wanted in changed.items())
        digest = hashlib.sha256(repr((change, snapshot.read_at)).encode()).hexdigest()[:16]
        key = f"stand-in/{stand_in.stand_in_id.rsplit('/', 1)[-1]}/{digest}"
        try:
            await self.gateways[snapshot.store].set_available(
                stand_in.stand_in_id,
                changed,
                key,
                f"routing-engine://stand-in/{stand_in.fulfilling_store}",
                change_from=change_from,
            )
            landed = datetime.now(UTC)
            for item, wanted in changed.items():
                self._in_step[(stand_in.stand_in_id, item)] = (change_from[item], wanted, landed)
        except Exception as error:  # the decision uses B's figures either way; the next read tries again
            for item in changed:
                self._in_step.pop((stand_in.stand_in_id, item), None)
            if isinstance(error, ShopifyUserError):  # moved since this read (compare-and-set refused)
                logger.info("stand-in %s: not set from a stale figure: %s", stand_in.stand_in_id, error)
            else:
                logger.exception(
                    "stand-in %s: could not set its available in %s", stand_in.stand_in_id, snapshot.store
                )

    # --- handing off -----------------------------------------------------------------------------

    async def hand_off(
        self,
        intent: HandOff,
        gateway: StoreGateway,
        *,
        snapshot: Snapshot | None,
        decided_on: Snapshot | None,
        key: str,
    ) -> IntentResult:
        seen = snapshot or decided_on
        config = self.configs.get(seen.store) if seen is not None else None
        if seen is None or config is None:
            return failed("no snapshot or store configuration to hand off from")
        there = self.gateways.get(intent.fulfilling_store)
        if there is None:
            return failed(f"store {intent.fulfilling_store} is not configured; cannot hand off to it")
        at_stand_in = await move_to(
            gateway,
            fulfillment_order_id=intent.fulfillment_order_id,
            from_location_id=intent.from_location_id,
            to_location_id=intent.stand_in_location_id,
            whole=intent.whole,
            lines=intent.lines,
            snapshot=snapshot,
            decided_on=decided_on,
        )
        if isinstance(at_stand_in, IntentResult):
            return failed(f"no hand-off to {intent.fulfilling_store}: the move failed: {at_stand_in.detail}")
        opened = await self.book.open(
            decision_id=key,
            origin_store=seen.store,
            origin_order_id=seen.order.id,
            origin_order_name=seen.order.name,
            origin_fulfillment_order_id=at_stand_in,
            stand_in_location_id=intent.stand_in_location_id,
            fulfilling_store=intent.fulfilling_store,
            fulfilling_location_id=intent.fulfilling_location_id,
            mode=config.handoff_mode,
            lines=[HandOffLine(line.sku or line.id, line.quantity, line.id) for line in intent.lines],
        )
        record = opened.handoff
        note = (
            f"Handed off to {intent.fulfilling_location_name} ({intent.fulfilling_store}); ships from there"
        )
        hold = HoldFulfillmentOrder(
            fulfillment_order_id=at_stand_in, reason=intent.reason, notes=note[:255], handle=intent.handle
        )
        held = await gateway.apply(hold, snapshot=None)
        if held.outcome.value == "failed":
            logger.warning("hand-off %s: hold on %s failed: %s", record.id, at_stand_in, held.detail)
        created = (at_stand_in,) if at_stand_in != intent.fulfillment_order_id else ()
        if config.handoff_mode == "coordinator":
            return applied(
                f"hand-off {record.id} to {intent.fulfilling_store}: the coordinator ships it",
                created_ids=created,
            )
        if record.linked_order_id is not None:
            return already_done(
                f"hand-off {record.id}: linked order {record.linked_order_name}", created_ids=created
            )
        try:
            linked = await self._linked_order(there, record, seen, intent)
        except ShopifyUserError as error:  # e.g. INVENTORY_CLAIM_FAILED: the other store has none left
            await self.book.fail(record.id, f"the linked order was refused: {error}")
            if self.redecide is not None:  # decided again, without that store
                await self.redecide(record)
            return failed(
                f"hand-off {record.id}: {intent.fulfilling_store} refused the linked order: {error}"
            )
        await self.book.record_linked_order(record.id, linked.id, linked.name)
        return applied(
            f"hand-off {record.id}: linked order {linked.name} in {intent.fulfilling_store}",
            created_ids=created,
        )

    async def _linked_order(
        self, there: HandOffStoreGateway, record: HandOffRecord, seen: Snapshot, intent: HandOff
    ) -> LinkedOrder:
        origin = LinkOrigin(seen.store, seen.order.id, record.origin_fulfillment_order_id, seen.order.name)
        found = await there.find_linked_order(seen.order.id, seen.store)
        if found is not None and not found.cancelled:
            return found
        address = await self.gateways[seen.store].ship_to(seen.order.id)
        lines = [(line.sku or "", line.quantity) for line in intent.lines]
        return await there.create_linked_order(lines, address, [LINK_TAG], origin)


def _less_unlinked(
    inventory: dict[str, dict[str, int]],
    snapshot: Snapshot,
    stand_ins: Sequence[StandIn],
    records: Sequence[HandOffRecord],
) -> dict[str, dict[str, int]]:
    """The stand-ins' figures less this order's own units at a stand-in that no hand-off carries.

    The engine counts a fulfillment order's units as its own where it is assigned (Shopify's
    `available` there already left them out). The other store's figures leave out only what its
    linked orders took: a fulfillment order Shopify placed at the stand-in itself, or one whose
    hand-off failed, would otherwise be counted twice.
    """
    carried = {r.origin_fulfillment_order_id for r in records if r.status in ("open", "completed")}
    here = {s.stand_in_id for s in stand_ins}
    for fo in snapshot.fulfillment_orders:
        if fo.assigned_location_id not in here or fo.id in carried:
            continue
        for line in fo.lines:
            if line.inventory_item_id and line.remaining_quantity > 0:
                levels = inventory.setdefault(line.inventory_item_id, {})
                location = fo.assigned_location_id or ""
                levels[location] = levels.get(location, 0) - line.remaining_quantity
    return inventory


def _when(read_at: str | None) -> datetime:
    """A snapshot's read time; one without (built by hand) counts as read now."""
    if read_at is None:
        return datetime.now(UTC)
    when = datetime.fromisoformat(read_at)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _lines(
    records: Sequence[HandOffRecord], snapshot: Snapshot, stand_ins: Sequence[StandIn]
) -> list[VendorLine]:
    sources = {(s.fulfilling_store, s.location_id): s.source_id for s in stand_ins}
    fos = {fo.id: fo for fo in snapshot.fulfillment_orders}
    lines: list[VendorLine] = []
    for record in records:
        fo = fos.get(record.origin_fulfillment_order_id)
        source = sources.get((record.fulfilling_store, record.fulfilling_location_id))
        if fo is None or source is None:
            continue
        by_sku = {(line.sku or "").casefold(): line.id for line in fo.lines}
        status: VendorLineStatus = "refused"  # failed, cancelled
        if record.status in ("open", "completed"):
            status = "awaiting" if record.status == "open" else "shipped"
        where = record.linked_order_name or f"hand-off {record.id[:8]}"
        for line in record.lines:
            lines.append(
                VendorLine(
                    fulfillment_order_id=fo.id,
                    line_id=by_sku.get(line.sku.casefold(), line.fulfillment_order_line_id),
                    sku=line.sku,
                    vendor_id=source,
                    purchase_order=where,
                    status=status,
                    detail=record.detail or "" if status == "refused" else "",
                )
            )
    return lines


async def _available_at(gateway: HandOffStoreGateway, skus: list[str], location_id: str) -> dict[str, int]:
    """`available` by SKU at one location of the other store, read now (its own credentials)."""
    matches = await gateway.inventory_items_by_sku(skus)
    if not matches.items:
        return {}
    levels = await read_inventory(gateway.client, list(matches.items.values()))  # type: ignore[attr-defined]
    return {sku: levels.get(item, {}).get(location_id, 0) for sku, item in matches.items.items()}
