"""Typed calls of the six write mutations; each returns the payload or raises ShopifyUserError.

No precondition checks here (that is the executor's job): these only build variables, send the
document and turn `userErrors` into an exception, so a userError is never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.documents import Document
from adapters.shopify.errors import ShopifyUserError
from adapters.shopify.sansio import user_errors
from engine.intents import LineQuantity


async def run_mutation(
    client: ShopifyClient, document: Document, variables: Mapping[str, Any], root: str
) -> dict[str, Any]:
    """Send a mutation and return its payload (`data[root]`), raising on `userErrors`."""
    data = await client.execute(document, variables)
    payload: dict[str, Any] = data.get(root) or {}
    errors = user_errors(payload)
    if errors:
        raise ShopifyUserError(root, errors, payload=payload)
    return payload


def line_inputs(lines: Sequence[LineQuantity]) -> list[dict[str, Any]]:
    return [{"id": line.id, "quantity": line.quantity} for line in lines]


async def move_fulfillment_order(
    client: ShopifyClient, fulfillment_order_id: str, new_location_id: str, lines: Sequence[LineQuantity] = ()
) -> dict[str, Any]:
    """Move the whole fulfillment order, or only `lines`, to `new_location_id`."""
    variables = {
        "id": fulfillment_order_id,
        "newLocationId": new_location_id,
        "fulfillmentOrderLineItems": line_inputs(lines) or None,
    }
    return await run_mutation(client, documents.FULFILLMENT_ORDER_MOVE, variables, "fulfillmentOrderMove")


async def hold_fulfillment_order(
    client: ShopifyClient,
    fulfillment_order_id: str,
    *,
    reason: str,
    notes: str,
    handle: str,
    lines: Sequence[LineQuantity] = (),
) -> dict[str, Any]:
    """Place one hold; holding only `lines` splits off a `remainingFulfillmentOrder`."""
    hold: dict[str, Any] = {"reason": reason, "reasonNotes": notes, "handle": handle, "notifyMerchant": False}
    if lines:
        hold["fulfillmentOrderLineItems"] = line_inputs(lines)
    variables = {"id": fulfillment_order_id, "fulfillmentHold": hold}
    return await run_mutation(client, documents.FULFILLMENT_ORDER_HOLD, variables, "fulfillmentOrderHold")


async def release_holds(
    client: ShopifyClient, fulfillment_order_id: str, hold_ids: Sequence[str]
) -> dict[str, Any]:
    """Release exactly `hold_ids` (never every hold: Shopify releases all when none are named)."""
    if not hold_ids:
        raise ValueError("release_holds needs hold ids; without them Shopify releases every hold")
    variables = {"id": fulfillment_order_id, "holdIds": list(hold_ids)}
    return await run_mutation(
        client, documents.FULFILLMENT_ORDER_RELEASE_HOLD, variables, "fulfillmentOrderReleaseHold"
    )


async def split_fulfillment_orders(
    client: ShopifyClient, splits: Mapping[str, Sequence[LineQuantity]]
) -> dict[str, Any]:
    """Split the given lines of each fulfillment order into a new one (`remainingFulfillmentOrder`)."""
    variables = {
        "fulfillmentOrderSplits": [
            {"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": line_inputs(lines)}
            for fo_id, lines in splits.items()
        ]
    }
    return await run_mutation(client, documents.FULFILLMENT_ORDER_SPLIT, variables, "fulfillmentOrderSplit")


def metafield_input(
    owner_id: str, *, namespace: str, key: str, type: str, value: str, compare_digest: str | None
) -> dict[str, Any]:
    return {
        "ownerId": owner_id,
        "namespace": namespace,
        "key": key,
        "type": type,
        "value": value,
        "compareDigest": compare_digest,
    }


async def set_metafield(
    client: ShopifyClient,
    owner_id: str,
    *,
    namespace: str,
    key: str,
    type: str,
    value: str,
    compare_digest: str | None,
) -> dict[str, Any]:
    """Compare-and-set one metafield: `compare_digest` None means "must not exist yet"."""
    metafield = metafield_input(
        owner_id, namespace=namespace, key=key, type=type, value=value, compare_digest=compare_digest
    )
    return await run_mutation(client, documents.METAFIELDS_SET, {"metafields": [metafield]}, "metafieldsSet")


async def annotate_order(
    client: ShopifyClient, metafield: dict[str, Any], order_id: str, tags: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """metafieldsSet and tagsAdd in one request; each payload is returned as it came.

    The two run independently (one may fail while the other lands), so userErrors are left for
    the caller to read per mutation rather than raised for the pair.
    """
    variables = {"metafields": [metafield], "id": order_id, "tags": list(tags)}
    data = await client.execute(documents.ANNOTATE_ORDER, variables)
    return data.get("metafieldsSet") or {}, data.get("tagsAdd") or {}


async def add_tags(client: ShopifyClient, resource_id: str, tags: Sequence[str]) -> dict[str, Any]:
    return await run_mutation(client, documents.TAGS_ADD, {"id": resource_id, "tags": list(tags)}, "tagsAdd")
