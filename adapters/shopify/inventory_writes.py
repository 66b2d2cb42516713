"""Vendor stock into Shopify: `inventorySetQuantities` (name "available") and SKU look-ups.

`inventorySetQuantities` is one of the mutations that take the `@idempotent(key:)` directive:
optional in 2026-01, required from 2026-04. A retry of the same write must reuse its key (Shopify
then answers without applying it twice); a different write needs a new key.

Compare-and-set: 2026-01 has `compareQuantity` (deprecated, removed in 2026-04) and
`changeFromQuantity`; the mutation-level `ignoreCompareQuantity` is also removed in 2026-04, where
an explicit `changeFromQuantity: null` skips the check instead. We always send
`changeFromQuantity` (a number, or null to skip); before 2026-04 we skip with
`ignoreCompareQuantity: true` as well, because whether a null alone skips the check there is not
documented (the reference is silent on both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.mutations import run_mutation
from adapters.shopify.sku_pages import SkuPages, search_skus

INVENTORY_SET_QUANTITIES = documents.INVENTORY_SET_QUANTITIES
INVENTORY_ITEMS_BY_SKU = documents.INVENTORY_ITEMS_BY_SKU

MAX_QUANTITIES_PER_CALL = 250  # Shopify's cap on input arrays
SKUS_PER_QUERY = 50  # keeps the search string short; a page holds 100 variants
# userError codes a caller acts on: re-read and retry with a new key, or wait and resend.
STALE_CODES = frozenset({"CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"})
RETRY_SAME_KEY_CODES = frozenset({"IDEMPOTENCY_CONCURRENT_REQUEST"})
NEW_KEY_CODES = frozenset({"IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED"})

_VERSION = re.compile(r"/admin/api/(\d{4})-(\d{2})/")
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class QuantityChange:
    """One entry of the adjustment group: how much `name` moved for an item at a location."""

    inventory_item_id: str
    location_id: str
    name: str
    delta: int


@dataclass(frozen=True)
class SetQuantitiesResult:
    """What one `inventorySetQuantities` call changed; no changes when every quantity was already so.

    Shopify answers a write that changes nothing with a null adjustment group and no userErrors
    (seen for `inventoryAdjustQuantities` with zero deltas), so `changes` is then empty.
    """

    adjustment_group_id: str | None
    changes: tuple[QuantityChange, ...]
    payloads: tuple[dict[str, Any], ...]

    @property
    def changed(self) -> bool:
        return any(change.delta for change in self.changes)


@dataclass(frozen=True)
class SkuMatches:
    """Inventory item ids by SKU; SKUs no variant has, and SKUs several variants share, set apart."""

    items: dict[str, str]
    missing: tuple[str, ...]
    ambiguous: dict[str, tuple[str, ...]]


def api_version(client: ShopifyClient) -> tuple[int, int] | None:
    """(year, month) of the Admin API version in the client's URL, None if the URL has none."""
    match = _VERSION.search(client.admin_api_url)
    return (int(match.group(1)), int(match.group(2))) if match else None


def quantities_input(
    location_id: str,
    quantities: Mapping[str, int],
    *,
    reference: str,
    change_from: Mapping[str, int] | None,
    version: tuple[int, int] | None,
    reason: str = "correction",
) -> dict[str, Any]:
    """The `InventorySetQuantitiesInput`; raises ValueError on input Shopify would refuse.

    `change_from` (current quantities as last read) turns on compare-and-set for every item;
    None writes without the check, as an external source of truth does.
    """
    where = f"inventory at {location_id}"
    if not location_id:
        raise ValueError("setting inventory needs a location id; none was given")
    if not quantities:
        raise ValueError(f"{where}: no quantities to set; send at least one inventory item")
    if not _URI_SCHEME.match(reference):
        raise ValueError(
            f"{where}: reference {reference!r} is not a URI; use e.g. "
            "gid://routing-engine/VendorFeed/<vendor>-<document id>"
        )
    for item_id, quantity in quantities.items():
        if quantity < 0:
            raise ValueError(
                f"{where}: {item_id} would be set to {quantity}; available stock from a vendor "
                "cannot be negative (send 0 for none)"
            )
    if change_from is not None and (unknown := sorted(set(quantities) - set(change_from))):
        raise ValueError(
            f"{where}: compare-and-set needs the current quantity of every item; missing for "
            f"{', '.join(unknown)}"
        )
    before_2026_04 = version is not None and version < (2026, 4)
    rows = [
        {
            "inventoryItemId": item_id,
            "locationId": location_id,
            "quantity": quantity,
            "changeFromQuantity": None if change_from is None else change_from[item_id],
        }
        for item_id, quantity in sorted(quantities.items())
    ]
    data: dict[str, Any] = {
        "name": "available",
        "reason": reason,
        "referenceDocumentUri": reference,
        "quantities": rows,
    }
    if change_from is None and before_2026_04:
        data["ignoreCompareQuantity"] = True
    return data


def parse_adjustment(payload: Mapping[str, Any]) -> tuple[str | None, tuple[QuantityChange, ...]]:
    group = payload.get("inventoryAdjustmentGroup")
    if not isinstance(group, dict):
        return None, ()
    changes = tuple(
        QuantityChange(
            inventory_item_id=str((c.get("item") or {}).get("id", "")),
            location_id=str((c.get("location") or {}).get("id", "")),
            name=str(c.get("name", "")),
            delta=int(c.get("delta") or 0),
        )
        for c in group.get("changes") or ()
    )
    group_id = group.get("id")
    return (str(group_id) if group_id else None), changes


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def set_available(
    client: ShopifyClient,
    location_id: str,
    quantities: Mapping[str, int],
    *,
    idempotency_key: str,
    reference: str,
    change_from: Mapping[str, int] | None = None,
) -> SetQuantitiesResult:
    """Set `available` of each inventory item at `location_id`; raises ShopifyUserError on userErrors.

    More than 250 items go in several calls, each keyed `<key>/<n>` (items sorted by id, so a
    retry with the same key and quantities sends the same calls). A userError with a code in
    STALE_CODES means the quantities moved since they were read: read again, then write with a
    new key.
    """
    if not idempotency_key.strip():
        raise ValueError(f"inventory at {location_id}: the idempotency key is blank; Shopify refuses it")
    version = api_version(client)
    data = quantities_input(
        location_id, quantities, reference=reference, change_from=change_from, version=version
    )
    rows: list[dict[str, Any]] = data["quantities"]
    batches = list(_batches(rows, MAX_QUANTITIES_PER_CALL))
    group_id: str | None = None
    changes: list[QuantityChange] = []
    payloads: list[dict[str, Any]] = []
    for index, batch in enumerate(batches):
        key = idempotency_key if len(batches) == 1 else f"{idempotency_key}/{index + 1}"
        variables = {"input": {**data, "quantities": list(batch)}, "idempotencyKey": key}
        payload = await run_mutation(client, INVENTORY_SET_QUANTITIES, variables, "inventorySetQuantities")
        payloads.append(payload)
        batch_group, batch_changes = parse_adjustment(payload)
        group_id = group_id or batch_group
        changes.extend(batch_changes)
    return SetQuantitiesResult(group_id, tuple(changes), tuple(payloads))


def sku_search(skus: Iterable[str]) -> str:
    """`sku:"A" OR sku:"B"`: quoted, so SKUs with spaces, colons or dashes stay one term."""
    terms = []
    for sku in skus:
        escaped = sku.replace("\\", "\\\\").replace('"', '\\"')
        terms.append(f'sku:"{escaped}"')
    return " OR ".join(terms)


async def inventory_items_by_sku(
    client: ShopifyClient, skus: Iterable[str], pages: SkuPages | None = None
) -> SkuMatches:
    """Look SKUs up in batches; only exact SKU matches count (Shopify's search is looser)."""
    wanted = sorted({sku.strip() for sku in skus if sku.strip()})
    found: dict[str, set[str]] = {}
    for batch in _batches(wanted, SKUS_PER_QUERY):
        asked = set(batch)
        after: str | None = None
        while True:
            data = await search_skus(client, sku_search(batch), after, batch, pages)
            page = data.get("productVariants") or {}
            for node in page.get("nodes") or ():
                sku = node.get("sku")
                item = (node.get("inventoryItem") or {}).get("id")
                if sku in asked and item:
                    found.setdefault(sku, set()).add(str(item))
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                break
            after = str(info["endCursor"])
    items = {sku: next(iter(ids)) for sku, ids in found.items() if len(ids) == 1}
    ambiguous = {sku: tuple(sorted(ids)) for sku, ids in found.items() if len(ids) > 1}
    missing = tuple(sku for sku in wanted if sku not in found)
    return SkuMatches(items=items, missing=missing, ambiguous=ambiguous)
