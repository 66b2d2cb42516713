"""REST resources as `orders/*` and `order_transactions/*` webhooks carry them.

Shopify serialises these topics as the REST Admin resources (numeric `id`, snake_case keys,
money as two-decimal strings, lower-case statuses, tags as one comma-separated string,
timestamps in the shop's time zone) with `admin_graphql_api_id` naming the GraphQL object. A
transaction's `admin_graphql_api_id` names the transaction; its order is `order_id` (numeric).
Only the keys a consumer is likely to read are served, not the whole resource.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from adapters.emulator.ids import numeric
from adapters.emulator.locations import Address
from adapters.emulator.orders import LineItem, Order, Transaction
from adapters.emulator.store import Store


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def local_stamp(store: Store, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(store.timezone)).isoformat(timespec="seconds")


def order_resource(store: Store, order: Order) -> dict[str, Any]:
    total = money(order.total_price)
    customer = order.customer
    return {
        "id": numeric(order.id),
        "admin_graphql_api_id": order.id,
        "name": order.name,
        "order_number": int(order.name.lstrip("#")),
        "email": order.email,
        "created_at": local_stamp(store, order.created_at),
        "updated_at": local_stamp(store, order.updated_at),
        "processed_at": local_stamp(store, order.created_at),
        "currency": store.currency,
        "presentment_currency": store.currency,
        "total_price": total,
        "subtotal_price": total,
        "total_tax": "0.00",
        "financial_status": order.financial_status.lower(),
        "fulfillment_status": None,
        "source_name": order.source_name,
        "tags": ", ".join(order.sorted_tags()),
        "test": True,
        "customer": None
        if customer is None
        else {
            "id": numeric(customer.id),
            "admin_graphql_api_id": customer.id,
            "tags": ", ".join(customer.tags),
        },
        "line_items": [_line_item(line) for line in order.line_items],
        "shipping_address": _address(order.shipping_address),
    }


def transaction_resource(store: Store, order: Order, transaction: Transaction) -> dict[str, Any]:
    return {
        "id": numeric(transaction.id),
        "admin_graphql_api_id": transaction.id,
        "order_id": numeric(order.id),
        "kind": transaction.kind,
        "gateway": "bogus",
        "status": transaction.status,
        "message": "Bogus Gateway: Forced success",
        "created_at": local_stamp(store, transaction.created_at),
        "processed_at": local_stamp(store, transaction.created_at),
        "test": True,
        "parent_id": numeric(transaction.parent_id) if transaction.parent_id else None,
        "source_name": order.source_name,
        "amount": money(transaction.amount),
        "currency": store.currency,
    }


def _line_item(line: LineItem) -> dict[str, Any]:
    return {
        "id": numeric(line.id),
        "admin_graphql_api_id": line.id,
        "variant_id": numeric(line.variant_id),
        "sku": line.sku,
        "title": line.title,
        "name": line.title,
        "quantity": line.quantity,
        "price": money(line.price),
        "vendor": line.vendor,
        "requires_shipping": line.requires_shipping,
        "fulfillment_status": None,
    }


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "address1": address.address1,
        "city": address.city,
        "province": address.province,
        "province_code": address.province_code,
        "country_code": address.country_code,
        "zip": address.zip,
        "latitude": address.latitude,
        "longitude": address.longitude,
    }
