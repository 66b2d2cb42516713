"""Linked orders of cross-store hand-offs (issue 5, item 3): create, find, cancel, read shipments.

An order of store A that only store B's warehouse can fill is moved in A to a stand-in location,
and a *linked order* is created in B with `orderCreate`. The linked order carries a tag
(`routing-link-<numeric id of A's order>`) to search by, and the metafield
`routing_engine.linked_order` (json: origin shop, order id, fulfillment order id) that confirms
the link. Every call here takes the client of the store it writes: B's client for B's order.

Choices, from the 2026-01 schema and the recordings (the reference says nothing more):

* `inventoryBehaviour: DECREMENT_OBEYING_POLICY`: the linked order claims B's units, so B's
  `available` (and the cross-store inventory view) drops at once and B cannot sell them twice;
  when B has run out of a variant that does not allow overselling, Shopify refuses the order
  (`INVENTORY_CLAIM_FAILED`) instead of creating one B cannot ship, and the hand-off can take the
  fallback chain. `BYPASS` (the default, used by the recording's test order) would claim nothing;
  `DECREMENT_IGNORING_POLICY` would push B below zero.
* `sendReceipt: false, sendFulfillmentReceipt: false`, no email or customer on the order: the customer
  is store A's, which tells them of the shipment (its fulfillment with B's tracking), not B's.
* `orderCreate` takes no idempotency key (section 3.4: only 17 inventory, location and refund
  mutations accept `@idempotent`): a retry after `ShopifyUnavailable` calls `find_linked_order`
  first, after a delay (whether the order search sees a new order at once is UNCONFIRMED).
* `orderCancel` refuses an order already cancelled with a plain `INVALID` ("Cannot cancel an order
  that has already been canceled", recorded), a code shared with other refusals. So
  `cancel_order` reads `cancelledAt` first, and reads it again after userErrors, rather than
  matching the message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyError, ShopifyNotFound, ShopifyUnexpectedResponse, ShopifyUserError
from adapters.shopify.inventory_writes import SKUS_PER_QUERY, sku_search
from adapters.shopify.mutations import run_mutation
from adapters.shopify.ship_to import ShipToAddress
from adapters.shopify.sku_pages import SkuPages, search_skus

ORDER_CREATE = documents.ORDER_CREATE
ORDER_CANCEL = documents.ORDER_CANCEL
LINKED_ORDER = documents.LINKED_ORDER
LINKED_ORDERS_BY_TAG = documents.LINKED_ORDERS_BY_TAG
LINKED_ORDER_FULFILLMENTS = documents.LINKED_ORDER_FULFILLMENTS

METAFIELD_NAMESPACE = "routing_engine"
METAFIELD_KEY = "linked_order"
LINK_TAG_PREFIX = "routing-link-"
CANCEL_REASONS = frozenset({"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "STAFF", "OTHER"})


@dataclass(frozen=True)
class LinkOrigin:
    """The origin order a linked order fulfils: its store, order and fulfillment order."""

    shop: str
    order_id: str
    fulfillment_order_id: str
    order_name: str = ""

    def as_json(self) -> str:
        return json.dumps(
            {
                "shop": self.shop,
                "order_id": self.order_id,
                "fulfillment_order_id": self.fulfillment_order_id,
                "order_name": self.order_name,
            },
            sort_keys=True,
        )


@dataclass(frozen=True)
class LinkedOrder:
    """The linked order in the fulfilling store; `origin` is None when its metafield is unreadable."""

    id: str
    name: str
    fulfillment_order_ids: tuple[str, ...]
    cancelled_at: str | None = None
    origin: LinkOrigin | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


@dataclass(frozen=True)
class ShippedFulfillment:
    """One fulfillment of a linked order: tracking as Shopify stores it, and units by SKU."""

    id: str
    status: str
    tracking_company: str | None
    tracking_numbers: tuple[str, ...]
    tracking_urls: tuple[str, ...]
    lines: tuple[tuple[str, int], ...]


class SkusNotSold(ShopifyError):
    """Some SKUs have no variant (or several) in the store the linked order would be created in."""

    def __init__(self, shop: str, missing: Sequence[str], ambiguous: Mapping[str, Sequence[str]]) -> None:
        self.shop = shop
        self.missing = tuple(missing)
        self.ambiguous = {sku: tuple(ids) for sku, ids in ambiguous.items()}
        parts = []
        if self.missing:
            parts.append(f"no variant has SKU {', '.join(self.missing)}")
        for sku, ids in self.ambiguous.items():
            parts.append(f"SKU {sku} is shared by variants {', '.join(ids)}")
        super().__init__(
            f"cannot create a linked order in {shop}: {'; '.join(parts)}; give each SKU exactly one "
            "variant in that store, or leave that store out of the hand-off"
        )


class DuplicateLinkedOrders(ShopifyError):
    """More than one live linked order points at the same origin order (a retry created two)."""

    def __init__(self, origin_order_id: str, order_ids: Sequence[str]) -> None:
        self.origin_order_id = origin_order_id
        self.order_ids = tuple(order_ids)
        super().__init__(
            f"orders {', '.join(self.order_ids)} are all linked to {origin_order_id}; cancel all but "
            "one in the fulfilling store, or it ships the goods more than once"
        )


def link_tag(origin_order_id: str) -> str:
    """The tag a linked order is searched by: short (Shopify limits tag length) and search-safe."""
    number = origin_order_id.rsplit("/", 1)[-1]
    if not number.isdigit():
        raise ValueError(
            f"origin order id {origin_order_id!r} is not an order GID (gid://shopify/Order/<number>)"
        )
    return f"{LINK_TAG_PREFIX}{number}"


def split_name(name: str) -> tuple[str | None, str]:
    """(first, last) for MailingAddressInput, which has no single name field; the last word is last."""
    words = name.split()
    if not words:
        return None, ""
    if len(words) == 1:
        return None, words[0]
    return " ".join(words[:-1]), words[-1]


def address_input(address: ShipToAddress) -> dict[str, Any]:
    """The `MailingAddressInput` of a ship-to address (provinceCode and countryCode, not deprecated)."""
    first, last = split_name(address.name)
    fields = {
        "firstName": first,
        "lastName": last,
        "company": address.company,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "provinceCode": address.province_code,
        "zip": address.zip,
        "countryCode": address.country_code,
        "phone": address.phone,
    }
    return {key: value for key, value in fields.items() if value}


def check_lines(lines: Sequence[tuple[str, int]], where: str) -> None:
    """Raise ValueError for lines Shopify would refuse or that would mislead the warehouse."""
    if not lines:
        raise ValueError(f"{where}: no lines; a linked order needs at least one SKU and quantity")
    seen: set[str] = set()
    for sku, quantity in lines:
        if not sku.strip():
            raise ValueError(f"{where}: a line has a blank SKU; every line needs the SKU the store sells")
        if quantity <= 0:
            raise ValueError(f"{where}: SKU {sku} has quantity {quantity}; leave the line out instead")
        if sku in seen:
            raise ValueError(f"{where}: SKU {sku} is listed twice; add its quantities into one line")
        seen.add(sku)


def order_input(
    lines: Sequence[tuple[str, int]],
    variants: Mapping[str, str],
    ship_to: ShipToAddress,
    tags: Iterable[str],
    origin: LinkOrigin,
) -> dict[str, Any]:
    """The `OrderCreateOrderInput`: lines by variant, the customer's address, link tag and metafield."""
    all_tags = list(dict.fromkeys([link_tag(origin.order_id), *(t for t in tags if t.strip())]))
    shown = origin.order_name or origin.order_id
    return {
        "lineItems": [
            {"variantId": variants[sku], "quantity": quantity, "requiresShipping": True}
            for sku, quantity in lines
        ],
        "shippingAddress": address_input(ship_to),
        "tags": all_tags,
        "note": f"Ships {shown} of {origin.shop} (routing-engine hand-off); that store tells the customer.",
        "metafields": [
            {
                "namespace": METAFIELD_NAMESPACE,
                "key": METAFIELD_KEY,
                "type": "json",
                "value": origin.as_json(),
            }
        ],
    }


ORDER_OPTIONS = {
    "inventoryBehaviour": "DECREMENT_OBEYING_POLICY",
    "sendReceipt": False,
    "sendFulfillmentReceipt": False,
}


async def variants_by_sku(
    client: ShopifyClient, skus: Iterable[str], pages: SkuPages | None = None
) -> dict[str, str]:
    """Variant id per SKU in the client's store; raises SkusNotSold for missing or shared SKUs."""
    wanted = sorted({sku for sku in skus})
    found: dict[str, set[str]] = {}
    for start in range(0, len(wanted), SKUS_PER_QUERY):
        batch = wanted[start : start + SKUS_PER_QUERY]
        after: str | None = None
        while True:
            data = await search_skus(client, sku_search(batch), after, batch, pages)
            page = data.get("productVariants") or {}
            for node in page.get("nodes") or ():
                # Shopify's search is looser than equality: keep exact SKUs only.
                if node.get("sku") in batch and node.get("id"):
                    found.setdefault(str(node["sku"]), set()).add(str(node["id"]))
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                break
            after = str(info["endCursor"])
    missing = [sku for sku in wanted if sku not in found]
    ambiguous = {sku: sorted(ids) for sku, ids in found.items() if len(ids) > 1}
    if missing or ambiguous:
        raise SkusNotSold(client.shop_domain, missing, ambiguous)
    return {sku: next(iter(ids)) for sku, ids in found.items()}


def parse_origin(node: Mapping[str, Any]) -> LinkOrigin | None:
    raw = (node.get("metafield") or {}).get("value")
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    try:
        return LinkOrigin(
            shop=str(value["shop"]),
            order_id=str(value["order_id"]),
            fulfillment_order_id=str(value["fulfillment_order_id"]),
            order_name=str(value.get("order_name") or ""),
        )
    except KeyError:
        return None


def parse_linked_order(node: Mapping[str, Any]) -> LinkedOrder:
    fos = (node.get("fulfillmentOrders") or {}).get("nodes") or ()
    cancelled_at = node.get("cancelledAt")
    return LinkedOrder(
        id=str(node["id"]),
        name=str(node.get("name") or ""),
        fulfillment_order_ids=tuple(str(fo["id"]) for fo in fos),
        cancelled_at=str(cancelled_at) if cancelled_at else None,
        origin=parse_origin(node),
    )


async def create_linked_order(
    client: ShopifyClient,
    *,
    lines: Sequence[tuple[str, int]],
    ship_to: ShipToAddress,
    tags: Sequence[str],
    origin: LinkOrigin,
    pages: SkuPages | None = None,
) -> LinkedOrder:
    """Create the linked order in the client's store; raises ShopifyUserError on userErrors.

    `lines` are (SKU, quantity) pairs, resolved to the store's variants (SkusNotSold when one is
    missing or shared). Not idempotent: after `ShopifyUnavailable`, call `find_linked_order` first.
    """
    where = f"linked order in {client.shop_domain} for {origin.order_id}"
    check_lines(lines, where)
    if not (origin.shop and origin.fulfillment_order_id):
        raise ValueError(f"{where}: the origin needs its shop and fulfillment order id; got {origin}")
    variants = await variants_by_sku(client, [sku for sku, _ in lines], pages)
    variables = {
        "order": order_input(lines, variants, ship_to, tags, origin),
        "options": ORDER_OPTIONS,
    }
    payload = await run_mutation(client, ORDER_CREATE, variables, "orderCreate")
    order = payload.get("order")
    if not isinstance(order, dict) or not order.get("id"):
        raise ShopifyUnexpectedResponse("orderCreate: no order and no userErrors in the answer", status=200)
    created = parse_linked_order(order)
    return LinkedOrder(created.id, created.name, created.fulfillment_order_ids, origin=origin)


async def find_linked_order(
    client: ShopifyClient, origin_order_id: str, *, origin_shop: str | None = None
) -> LinkedOrder | None:
    """The live linked order of `origin_order_id` in the client's store, else its latest cancelled
    one, else None. Found by link tag, kept only when the metafield names the same origin order
    (and `origin_shop`, when given); raises DuplicateLinkedOrders when several live ones exist."""
    data = await client.execute(LINKED_ORDERS_BY_TAG, {"query": f'tag:"{link_tag(origin_order_id)}"'})
    nodes = (data.get("orders") or {}).get("nodes") or ()
    linked = [
        order
        for order in (parse_linked_order(node) for node in nodes)
        if order.origin is not None
        and order.origin.order_id == origin_order_id
        and (origin_shop is None or order.origin.shop == origin_shop)
    ]
    live = [order for order in linked if not order.cancelled]
    if len(live) > 1:
        raise DuplicateLinkedOrders(origin_order_id, [order.id for order in live])
    if live:
        return live[0]
    return linked[-1] if linked else None


async def read_linked_order(client: ShopifyClient, order_id: str) -> LinkedOrder:
    """The order now (cancelled or not, its fulfillment orders); ShopifyNotFound when it is gone."""
    data = await client.execute(LINKED_ORDER, {"id": order_id})
    node = data.get("order")
    if not isinstance(node, dict):
        raise ShopifyNotFound(f"order {order_id} does not exist in {client.shop_domain}", gid=order_id)
    return parse_linked_order(node)


async def cancel_order(
    client: ShopifyClient, order_id: str, *, reason: str = "OTHER", staff_note: str | None = None
) -> None:
    """Cancel the order (restocking its units, telling no customer); done already is not an error.

    An order already cancelled is detected by reading `cancelledAt` before the call, and again
    after userErrors (a cancel that raced ours); any other userError raises ShopifyUserError, e.g.
    "Cannot cancel an order that has outstanding fulfillments" once the store has shipped.
    Shopify cancels in a job: `cancelledAt` may lag the call by a moment.
    """
    if reason not in CANCEL_REASONS:
        raise ValueError(
            f"cancel {order_id}: reason {reason!r} is not one of {', '.join(sorted(CANCEL_REASONS))}"
        )
    if (await read_linked_order(client, order_id)).cancelled:
        return
    variables = {
        "orderId": order_id,
        "reason": reason,
        "restock": True,
        "notifyCustomer": False,
        "staffNote": staff_note,
    }
    try:
        await run_mutation(client, ORDER_CANCEL, variables, "orderCancel")
    except ShopifyUserError:
        if (await read_linked_order(client, order_id)).cancelled:
            return
        raise


def parse_fulfillment(node: Mapping[str, Any]) -> ShippedFulfillment:
    tracking = node.get("trackingInfo") or ()
    units: dict[str, int] = {}
    for line in (node.get("fulfillmentLineItems") or {}).get("nodes") or ():
        sku = str((line.get("lineItem") or {}).get("sku") or "")
        units[sku] = units.get(sku, 0) + int(line.get("quantity") or 0)
    company = next((t.get("company") for t in tracking if t.get("company")), None)
    return ShippedFulfillment(
        id=str(node["id"]),
        status=str(node.get("status") or ""),
        tracking_company=str(company) if company else None,
        tracking_numbers=tuple(str(t["number"]) for t in tracking if t.get("number")),
        tracking_urls=tuple(str(t["url"]) for t in tracking if t.get("url")),
        lines=tuple(units.items()),
    )


async def read_fulfillments(client: ShopifyClient, order_id: str) -> list[ShippedFulfillment]:
    """Every fulfillment of the order, oldest first, with its status (mirror only SUCCESS ones).

    For a lost `fulfillments/create` webhook. Reads the first 20 fulfillments of 50 lines each.
    """
    data = await client.execute(LINKED_ORDER_FULFILLMENTS, {"id": order_id})
    node = data.get("order")
    if not isinstance(node, dict):
        raise ShopifyNotFound(f"order {order_id} does not exist in {client.shop_domain}", gid=order_id)
    return [parse_fulfillment(f) for f in node.get("fulfillments") or ()]
