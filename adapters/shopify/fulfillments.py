"""`fulfillmentCreate`: the shipped lines of a fulfillment order, with carrier and tracking.

Used when a drop-ship vendor's 856 ship notice arrives. `fulfillmentCreate` takes no idempotency
key: after an ambiguous failure (`ShopifyUnavailable`) it may have run, so the caller must read
the fulfillment order again (remaining quantities) before sending it a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyUnexpectedResponse
from adapters.shopify.mutations import line_inputs, run_mutation
from engine.intents import LineQuantity

FULFILLMENT_CREATE = documents.FULFILLMENT_CREATE


@dataclass(frozen=True)
class TrackingInfo:
    """One tracking entry of a fulfillment, as Shopify stores it (one per number)."""

    company: str | None
    number: str | None
    url: str | None


@dataclass(frozen=True)
class FulfilledLine:
    """Units of one order line item in the fulfillment (Shopify merges a line split across FOs)."""

    fulfillment_line_item_id: str
    line_item_id: str
    quantity: int


@dataclass(frozen=True)
class FulfillmentResult:
    """The fulfillment Shopify created; `payload` is the mutation payload as it came."""

    fulfillment_id: str
    status: str
    tracking: tuple[TrackingInfo, ...]
    lines: tuple[FulfilledLine, ...]
    payload: dict[str, Any]

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


def fulfillment_input(
    fulfillment_order_id: str,
    lines: Sequence[LineQuantity],
    *,
    tracking_company: str | None,
    tracking_numbers: Sequence[str],
    tracking_urls: Sequence[str],
    notify_customer: bool,
) -> dict[str, Any]:
    """The `FulfillmentInput` for one fulfillment order; raises ValueError on input Shopify would refuse.

    No `lines` means every remaining line of the fulfillment order (Shopify's rule for a blank list).
    """
    where = f"fulfillment of {fulfillment_order_id}"
    if not fulfillment_order_id:
        raise ValueError("fulfillment needs a fulfillment order id; none was given")
    seen: set[str] = set()
    for line in lines:
        if line.quantity <= 0:
            raise ValueError(
                f"{where}: line {line.id} has quantity {line.quantity}; ship notices must carry a "
                "positive quantity for every line (leave the line out instead)"
            )
        if line.id in seen:
            raise ValueError(f"{where}: line {line.id} is listed twice; add its quantities into one entry")
        seen.add(line.id)
    numbers = [number.strip() for number in tracking_numbers]
    if any(not number for number in numbers):
        raise ValueError(f"{where}: a tracking number is blank; drop it or send the real number")
    if tracking_urls and len(tracking_urls) != len(numbers):
        # Shopify pairs URLs with numbers by position: a shorter list would mislabel parcels.
        raise ValueError(
            f"{where}: {len(tracking_urls)} tracking URLs for {len(numbers)} tracking numbers; "
            "give one URL per number, or none"
        )
    group: dict[str, Any] = {"fulfillmentOrderId": fulfillment_order_id}
    if lines:
        group["fulfillmentOrderLineItems"] = line_inputs(lines)
    tracking: dict[str, Any] = {"numbers": numbers}
    if tracking_company:
        tracking["company"] = tracking_company
    if tracking_urls:
        tracking["urls"] = list(tracking_urls)
    return {
        "lineItemsByFulfillmentOrder": [group],
        "trackingInfo": tracking,
        "notifyCustomer": notify_customer,
    }


def parse_fulfillment(payload: dict[str, Any]) -> FulfillmentResult:
    """The created fulfillment of a `fulfillmentCreate` payload without userErrors."""
    node = payload.get("fulfillment")
    if not isinstance(node, dict) or not node.get("id"):
        raise ShopifyUnexpectedResponse(
            "fulfillmentCreate: no fulfillment and no userErrors in the answer", status=200
        )
    tracking = tuple(
        TrackingInfo(company=t.get("company"), number=t.get("number"), url=t.get("url"))
        for t in node.get("trackingInfo") or ()
    )
    lines = tuple(
        FulfilledLine(
            fulfillment_line_item_id=str(n["id"]),
            line_item_id=str((n.get("lineItem") or {}).get("id", "")),
            quantity=int(n.get("quantity") or 0),
        )
        for n in (node.get("fulfillmentLineItems") or {}).get("nodes") or ()
    )
    return FulfillmentResult(
        fulfillment_id=str(node["id"]),
        status=str(node.get("status") or ""),
        tracking=tracking,
        lines=lines,
        payload=payload,
    )


async def create_fulfillment(
    client: ShopifyClient,
    fulfillment_order_id: str,
    lines: Sequence[LineQuantity],
    *,
    tracking_company: str | None,
    tracking_numbers: Sequence[str],
    tracking_urls: Sequence[str] = (),
    notify_customer: bool = False,
    message: str | None = None,
) -> FulfillmentResult:
    """Fulfil `lines` of the fulfillment order with tracking; raises ShopifyUserError on userErrors.

    The userErrors of this mutation have no code (the recordings): a closed, cancelled or held
    fulfillment order, an unknown line or too many units all come back as messages to read.
    """
    fulfillment = fulfillment_input(
        fulfillment_order_id,
        lines,
        tracking_company=tracking_company,
        tracking_numbers=tracking_numbers,
        tracking_urls=tracking_urls,
        notify_customer=notify_customer,
    )
    variables = {"fulfillment": fulfillment, "message": message}
    payload = await run_mutation(client, FULFILLMENT_CREATE, variables, "fulfillmentCreate")
    return parse_fulfillment(payload)
