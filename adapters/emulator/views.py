"""GraphQL views of the state: dicts keyed by schema field names, callables for fields with arguments.

graphql-core's default resolver reads a key from a dict and calls it when it is callable
(with `info` and the field arguments), so only what a document selects is computed.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from adapters.emulator.connections import connection
from adapters.emulator.fulfillment import (
    FulfillmentHold,
    FulfillmentOrder,
    FulfillmentOrderLineItem,
    supported_actions,
)
from adapters.emulator.ids import numeric
from adapters.emulator.inventory import InventoryItem, InventoryLevel
from adapters.emulator.locations import Address, Location
from adapters.emulator.move_targets import locations_for_move
from adapters.emulator.orders import LineItem, Metafield, Order
from adapters.emulator.store import Store

View = dict[str, Any]
Info = GraphQLResolveInfo[Any]


def iso(stamp: datetime) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal(amount: Decimal) -> str:
    """A `Decimal` scalar as Shopify prints it: a string, trailing zeros dropped ("20.0", "248.99")."""
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"


def _access_denied(info: Info, **_: Any) -> None:
    # The recorded app lacks `read_apps`; Shopify answers the field with null and this error.
    raise GraphQLError(
        "Access denied for heldByApp field. Required access: `read_apps` access scope.",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": "`read_apps` access scope.",
        },
    )


class Views:
    def __init__(self, store: Store) -> None:
        self.store = store

    def shop(self) -> View:
        s = self.store
        return {
            "__typename": "Shop",
            "id": s.shop_id,
            "name": s.name,
            "myshopifyDomain": s.domain,
            "currencyCode": s.currency,
            "email": f"owner@{s.domain}",
            "ianaTimezone": s.timezone,
        }

    def location(self, loc: Location) -> View:
        a = loc.address
        address = {
            "address1": a.address1,
            "address2": None,
            "city": a.city,
            "country": a.country_code,
            "countryCode": a.country_code,
            "province": a.province,
            "provinceCode": a.province_code,
            "zip": a.zip,
            "latitude": a.latitude,
            "longitude": a.longitude,
            "phone": None,
            "formatted": [p for p in (a.address1, a.city, a.province_code, a.zip, a.country_code) if p],
        }
        inventory = self.store.inventory
        return {
            "__typename": "Location",
            "id": loc.id,
            "name": loc.name,
            "isActive": loc.is_active,
            "fulfillsOnlineOrders": loc.fulfills_online_orders,
            "shipsInventory": True,
            "isFulfillmentService": False,
            "hasActiveInventory": bool(inventory.levels_at(loc.id)),
            "address": address,
            "legacyResourceId": str(numeric(loc.id)),
            "inventoryLevel": lambda info, inventoryItemId: self._maybe_level(
                inventory.level(inventoryItemId, loc.id)
            ),
            "inventoryLevels": lambda info, **args: connection(
                inventory.levels_at(loc.id), self.inventory_level, lambda lv: lv.item_id, args
            ),
        }

    def _maybe_level(self, level: InventoryLevel | None) -> View | None:
        return self.inventory_level(level) if level else None

    def inventory_level(self, level: InventoryLevel) -> View:
        return {
            "__typename": "InventoryLevel",
            "id": level.id,
            "updatedAt": None,
            "location": lambda info: self.location(self.store.locations[level.location_id]),
            "item": lambda info: self.inventory_item(self.store.inventory.items[level.item_id]),
            "quantities": lambda info, names: [
                {"id": f"{level.id}&name={n}", "name": n, "quantity": level.quantity(n), "updatedAt": None}
                for n in names
            ],
        }

    def inventory_item(self, item: InventoryItem) -> View:
        inventory = self.store.inventory
        return {
            "__typename": "InventoryItem",
            "id": item.id,
            "sku": item.sku,
            "tracked": True,
            "legacyResourceId": str(numeric(item.id)),
            "variant": lambda info: self.variant(item),
            "inventoryLevel": lambda info, locationId: self._maybe_level(
                inventory.level(item.id, locationId)
            ),
            "inventoryLevels": lambda info, **args: connection(
                inventory.levels_of(item.id), self.inventory_level, lambda lv: lv.location_id, args
            ),
        }

    def variant(self, item: InventoryItem) -> View:
        product = {
            "__typename": "Product",
            "id": item.product_id,
            "title": item.product_title,
            "vendor": item.vendor or "",
            "tags": [],
            "productType": item.product_type,
        }
        return {
            "__typename": "ProductVariant",
            "id": item.variant_id,
            "sku": item.sku,
            "title": "Default Title",
            "displayName": f"{item.product_title} - Default Title",
            "product": product,
            "inventoryItem": lambda info: self.inventory_item(item),
        }

    def money(self, amount: Decimal) -> View:
        """A MoneyBag in the shop's currency (the emulator presents every order in it)."""
        money = {"__typename": "MoneyV2", "amount": decimal(amount), "currencyCode": self.store.currency}
        return {"__typename": "MoneyBag", "shopMoney": money, "presentmentMoney": money}

    def mailing_address(self, a: Address, owner_id: str) -> View:
        name = " ".join(p for p in (a.first_name, a.last_name) if p) or None
        return {
            "__typename": "MailingAddress",
            "id": f"gid://shopify/MailingAddress/{numeric(owner_id)}",
            "firstName": a.first_name,
            "lastName": a.last_name,
            "name": name,
            "company": None,
            "address1": a.address1,
            "address2": None,
            "city": a.city,
            "province": a.province,
            "provinceCode": a.province_code,
            "country": a.country_code,
            "countryCodeV2": a.country_code,
            "zip": a.zip,
            "phone": a.phone,
            "latitude": a.latitude,
            "longitude": a.longitude,
        }

    def metafield(self, m: Metafield) -> View:
        json_value = json.loads(m.value) if m.type == "json" else m.value
        return {
            "__typename": "Metafield",
            "id": m.id,
            "namespace": m.namespace,
            "key": m.key,
            "value": m.value,
            "type": m.type,
            "compareDigest": m.compare_digest,
            "jsonValue": json_value,
            "createdAt": iso(m.created_at),
            "updatedAt": iso(m.updated_at),
            "ownerType": "ORDER",
        }

    def line_item(self, line: LineItem) -> View:
        unfulfilled = sum(
            fo_line.remaining_quantity
            for fo in self.store.fulfillment_orders_of(self._order_of_line(line))
            for fo_line in fo.line_items
            if fo_line.line_item_id == line.id and not fo.is_closed
        )
        held = sum(
            fo_line.remaining_quantity
            for fo in self.store.fulfillment_orders.values()
            if fo.status == "ON_HOLD"
            for fo_line in fo.line_items
            if fo_line.line_item_id == line.id
        )
        item = self.store.inventory.items[line.inventory_item_id]
        return {
            "__typename": "LineItem",
            "id": line.id,
            "name": line.title,
            "title": line.title,
            "sku": line.sku,
            "quantity": line.quantity,
            "currentQuantity": line.quantity,
            "fulfillableQuantity": unfulfilled - held,
            "unfulfilledQuantity": unfulfilled,
            "vendor": line.vendor,
            "requiresShipping": line.requires_shipping,
            "variantTitle": None,
            "variant": lambda info: self.variant(item),
        }

    def _order_of_line(self, line: LineItem) -> str:
        return next(o.id for o in self.store.orders.values() if line in o.line_items)

    def order(self, order: Order) -> View:
        fos = self.store.fulfillment_orders_of(order.id)
        statuses = {fo.status for fo in fos}
        display = "ON_HOLD" if "ON_HOLD" in statuses else "UNFULFILLED"
        return {
            "__typename": "Order",
            "id": order.id,
            "name": order.name,
            "tags": order.sorted_tags(),
            "createdAt": iso(order.created_at),
            "updatedAt": iso(order.updated_at),
            "processedAt": iso(order.created_at),
            "email": order.email,
            "note": order.note,
            "currencyCode": self.store.currency,
            "test": True,
            "displayFulfillmentStatus": display,
            "displayFinancialStatus": order.financial_status,
            "sourceName": order.source_name,
            "totalPriceSet": self.money(order.total_price),
            "customer": None
            if order.customer is None
            else {"__typename": "Customer", "id": order.customer.id, "tags": order.customer.tags},
            "cancelledAt": None,
            "closed": False,
            "legacyResourceId": str(numeric(order.id)),
            "shippingAddress": self.mailing_address(order.shipping_address, order.id)
            if order.shipping_address
            else None,
            "lineItems": lambda info, **args: connection(
                order.line_items, self.line_item, lambda li: li.id, args
            ),
            "fulfillmentOrders": lambda info, **args: connection(
                [fo for fo in fos if args.get("displayable") is not True or not fo.is_closed],
                self.fulfillment_order,
                lambda fo: fo.id,
                args,
            ),
            "metafield": lambda info, key, namespace=None: self._maybe_metafield(
                order.metafield(namespace or "", key)
            ),
            "metafields": lambda info, **args: connection(
                [
                    m
                    for m in order.metafields
                    if (args.get("namespace") in (None, m.namespace))
                    and (not args.get("keys") or f"{m.namespace}.{m.key}" in args["keys"])
                ],
                self.metafield,
                lambda m: m.id,
                args,
            ),
        }

    def _maybe_metafield(self, m: Metafield | None) -> View | None:
        return self.metafield(m) if m else None

    def hold(self, hold: FulfillmentHold) -> View:
        return {
            "__typename": "FulfillmentHold",
            "id": hold.id,
            "handle": hold.handle,
            "reason": hold.reason,
            "reasonNotes": hold.reason_notes,
            "displayReason": hold.display_reason,
            "heldByApp": _access_denied,
            "heldByRequestingApp": hold.held_by_requesting_app,
        }

    def fo_line(self, line: FulfillmentOrderLineItem) -> View:
        item = self.store.inventory.items[line.inventory_item_id]
        order_line = next(
            li for o in self.store.orders.values() for li in o.line_items if li.id == line.line_item_id
        )
        return {
            "__typename": "FulfillmentOrderLineItem",
            "id": line.id,
            "sku": line.sku,
            "inventoryItemId": line.inventory_item_id,
            "remainingQuantity": line.remaining_quantity,
            "totalQuantity": line.total_quantity,
            "requiresShipping": item.requires_shipping,
            "vendor": item.vendor,
            "productTitle": item.product_title,
            "variantTitle": None,
            "lineItem": lambda info: self.line_item(order_line),
            "variant": lambda info: self.variant(item),
            # One price group per line: the emulator has no discounts, so both prices agree.
            "financialSummaries": [
                {
                    "__typename": "FulfillmentOrderLineItemFinancialSummary",
                    "quantity": line.total_quantity,
                    "originalUnitPriceSet": self.money(order_line.price),
                    "approximateDiscountedUnitPriceSet": self.money(order_line.price),
                }
            ],
        }

    def fulfillment_order(self, fo: FulfillmentOrder) -> View:
        store = self.store
        order = store.orders[fo.order_id]
        loc = store.locations[fo.assigned_location_id]
        a = loc.address
        assigned = {
            "name": loc.name,
            "address1": a.address1,
            "address2": None,
            "city": a.city,
            "countryCode": a.country_code,
            "province": a.province,
            "zip": a.zip,
            "phone": None,
            "location": lambda info: self.location(loc),
        }
        d = fo.destination
        destination = (
            None
            if d is None
            else {
                "__typename": "FulfillmentOrderDestination",
                "id": f"gid://shopify/FulfillmentOrderDestination/{numeric(fo.id)}",
                "firstName": d.first_name,
                "lastName": d.last_name,
                "company": None,
                "address1": d.address1,
                "address2": None,
                "city": d.city,
                "province": d.province,
                "countryCode": d.country_code,
                "zip": d.zip,
                "phone": d.phone,
                "email": order.email,
            }
        )
        return {
            "__typename": "FulfillmentOrder",
            "id": fo.id,
            "status": fo.status,
            "requestStatus": fo.request_status,
            "assignedLocation": assigned,
            "destination": destination,
            "deliveryMethod": {
                "__typename": "DeliveryMethod",
                "id": f"gid://shopify/DeliveryMethod/{numeric(fo.id)}",
                "methodType": fo.delivery_method_type,
                "presentedName": "Standard",
                "serviceCode": None,
            },
            "fulfillAt": iso(fo.created_at),
            "fulfillBy": None,
            "fulfillmentHolds": [self.hold(h) for h in fo.holds],
            "supportedActions": [
                {"action": a, "externalUrl": None}
                for a in supported_actions(fo, store.fulfillment_orders_of(fo.order_id))
            ],
            "lineItems": lambda info, **args: connection(fo.line_items, self.fo_line, lambda li: li.id, args),
            "locationsForMove": lambda info, **args: locations_for_move(self, fo, args),
            "order": lambda info: self.order(order),
            "orderId": order.id,
            "orderName": order.name,
            "orderProcessedAt": iso(order.created_at),
            "createdAt": iso(fo.created_at),
            "updatedAt": iso(fo.updated_at),
        }
