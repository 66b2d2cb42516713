"""inventorySetQuantities: absolute `available` / `on_hand`, compare-and-set, per API version.

2026-01 takes `compareQuantity` (or `ignoreCompareQuantity: true`) and `changeFromQuantity`;
2026-04 removed the first two, and there an explicit `changeFromQuantity: null` skips the check.
The `@idempotent` key is read by the resolver (see `idempotency`). A write that changes nothing
answers a null adjustment group and no userErrors, as the recorded zero-delta adjust does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import GraphQLError

from adapters.emulator.idempotency import REQUIRED_FROM, remember, replayed, require_key
from adapters.emulator.inventory import InventoryLevel
from adapters.emulator.outcomes import Outcome, UserError
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store
from adapters.emulator.views import View, Views, iso

MUTATION = "inventorySetQuantities"
NAMES = frozenset({"available", "on_hand"})
# Shopify's documented reasons for inventory changes.
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_created",
        "movement_updated",
        "movement_received",
        "movement_canceled",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)
MAX_QUANTITY = 1_000_000_000
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class Change:
    item_id: str
    location_id: str
    name: str
    delta: int
    after: int


@dataclass(frozen=True)
class AdjustmentGroup:
    id: str
    reason: str
    reference_document_uri: str | None
    created_at: datetime
    changes: tuple[Change, ...]


def _removed_fields(data: dict[str, Any]) -> list[str]:
    removed = ["ignoreCompareQuantity"] if data.get("ignoreCompareQuantity") else []
    if any("compareQuantity" in row for row in data["quantities"]):
        removed.append("compareQuantity")
    return removed


def _row_errors(store: Store, index: int, row: dict[str, Any], ignore: bool, newer: bool) -> list[UserError]:
    where = ["input", "quantities", str(index)]
    item_id, location_id, quantity = row["inventoryItemId"], row["locationId"], row["quantity"]
    if item_id not in store.inventory.items:
        return [
            UserError("The specified inventory item could not be found.", where, "INVALID_INVENTORY_ITEM")
        ]
    if location_id not in store.locations:
        return [UserError("The specified location could not be found.", where, "INVALID_LOCATION")]
    if quantity < 0:
        return [UserError("The quantity can't be negative.", where, "INVALID_QUANTITY_NEGATIVE")]
    if quantity > MAX_QUANTITY:
        message = "The total quantity can't be higher than 1,000,000,000."
        return [UserError(message, where, "INVALID_QUANTITY_TOO_HIGH")]
    level = store.inventory.level(item_id, location_id)
    if level is None:
        message = "The specified inventory item is not stocked at the location."
        return [UserError(message, where, "ITEM_NOT_STOCKED_AT_LOCATION")]
    return _compare_errors(level, where, row, ignore, newer)


def _compare_errors(
    level: InventoryLevel, where: list[str], row: dict[str, Any], ignore: bool, newer: bool
) -> list[UserError]:
    current = level.available
    if "changeFromQuantity" in row:
        expected = row["changeFromQuantity"]
        if expected is not None and expected != current:
            message = "The changeFromQuantity value does not match persisted value."
            return [UserError(message, [*where, "changeFromQuantity"], "CHANGE_FROM_QUANTITY_STALE")]
        return []
    if "compareQuantity" in row and not ignore:
        if row["compareQuantity"] != current:
            message = "The compareQuantity value does not match persisted value."
            return [UserError(message, [*where, "compareQuantity"], "COMPARE_QUANTITY_STALE")]
        return []
    if not ignore and not newer:
        message = (
            "The compareQuantity argument must be given to each quantity or ignored using "
            "ignoreCompareQuantity."
        )
        return [UserError(message, [*where, "compareQuantity"], "COMPARE_QUANTITY_REQUIRED")]
    return []


def _errors(store: Store, data: dict[str, Any], newer: bool) -> list[UserError]:
    if data["name"] not in NAMES:
        message = "The quantity name must be either 'available' or 'on_hand'."
        return [UserError(message, ["input", "name"], "INVALID_NAME")]
    if data["reason"] not in REASONS:
        return [UserError("The specified reason is invalid.", ["input", "reason"], "INVALID_REASON")]
    uri = data.get("referenceDocumentUri")
    if uri is not None and not _URI.match(uri):
        message = "The specified reference document is invalid."
        return [UserError(message, ["input", "referenceDocumentUri"], "INVALID_REFERENCE_DOCUMENT")]
    errors: list[UserError] = []
    seen: set[tuple[str, str]] = set()
    ignore = bool(data.get("ignoreCompareQuantity"))
    for index, row in enumerate(data["quantities"]):
        pair = (row["inventoryItemId"], row["locationId"])
        if pair in seen:
            message = "The combination of inventoryItemId and locationId must be unique."
            where = ["input", "quantities", str(index)]
            errors.append(UserError(message, where, "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"))
            continue
        seen.add(pair)
        errors.extend(_row_errors(store, index, row, ignore, newer))
    return errors


def _apply(state: EmulatorState, store: Store, data: dict[str, Any]) -> AdjustmentGroup | None:
    changes: list[Change] = []
    for row in data["quantities"]:
        level = store.inventory.level(row["inventoryItemId"], row["locationId"])
        assert level is not None  # checked by _errors
        current = level.available if data["name"] == "available" else level.on_hand
        delta = row["quantity"] - current
        if not delta:
            continue
        level.available += delta  # on_hand = available + committed moves with it
        store.inventory.changed.add((level.item_id, level.location_id))
        for name in ("available", "on_hand"):
            changes.append(Change(level.item_id, level.location_id, name, delta, level.quantity(name)))
    if not changes:
        return None
    return AdjustmentGroup(
        id=state.ids.next("InventoryAdjustmentGroup"),
        reason=data["reason"],
        reference_document_uri=data.get("referenceDocumentUri"),
        created_at=now(),
        changes=tuple(changes),
    )


def set_quantities(state: EmulatorState, store: Store, key: str | None, data: dict[str, Any]) -> Outcome:
    """Run the mutation once per idempotency key; GraphQL errors for what the version refuses."""
    require_key(store, key)
    newer = store.api_version >= REQUIRED_FROM
    if newer and (removed := _removed_fields(data)):
        raise GraphQLError(
            f"Variable $input was provided invalid value for {', '.join(removed)} "
            f"(Field is not defined on InventorySetQuantitiesInput in {store.api_version})",
            extensions={"code": "INVALID_VARIABLE"},
        )
    earlier = replayed(state, store, MUTATION, key, data)
    if earlier is not None:
        return earlier
    errors = _errors(store, data, newer)
    if errors:
        return remember(state, store, MUTATION, key, data, Outcome.failed(*errors))
    group = _apply(state, store, data)
    return remember(state, store, MUTATION, key, data, Outcome(objects={"inventoryAdjustmentGroup": group}))


def adjustment_group_view(views: Views, group: AdjustmentGroup) -> View:
    """The `InventoryAdjustmentGroup` of the payload; `changes` filtered as its arguments say."""
    store = views.store

    def changes(
        info: Any,
        inventoryItemIds: list[str] | None = None,
        locationIds: list[str] | None = None,
        quantityNames: list[str] | None = None,
    ) -> list[View]:
        return [
            {
                "name": c.name,
                "delta": c.delta,
                "quantityAfterChange": c.after,
                "ledgerDocumentUri": None,
                "item": views.inventory_item(store.inventory.items[c.item_id]),
                "location": views.location(store.locations[c.location_id]),
            }
            for c in group.changes
            if (inventoryItemIds is None or c.item_id in inventoryItemIds)
            and (locationIds is None or c.location_id in locationIds)
            and (quantityNames is None or c.name in quantityNames)
        ]

    return {
        "__typename": "InventoryAdjustmentGroup",
        "id": group.id,
        "reason": group.reason,
        "referenceDocumentUri": group.reference_document_uri,
        "createdAt": iso(group.created_at),
        "changes": changes,
    }
