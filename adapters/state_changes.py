"""State changes after a decision, each handled (issue 6, item 4):

- `fulfillment_orders/cancelled` with a replacement fulfillment order: the replacement is decided
  (a routing-complete delivery `replacement:<id>`, stored once);
- `orders/cancelled`: open drop-ship purchase orders are withdrawn (an 860 where the vendor
  wants one) and open hand-offs cancelled with their linked orders (`adapters.handoffs`);
  Shopify closes the fulfillment orders, and with them our holds;
- `orders/updated` with a different shipping address than the last decision saw: the order is
  decided again if nothing of it has shipped. Our own writes (tags, metafield) also send
  `orders/updated`; they leave the address alone and are ignored without a read of Shopify.
A hold placed by the merchant or another app is never overridden: the engine skips that
fulfillment order and its trace says why (`engine.holds`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from adapters.store import DecisionLog, Inbox
from adapters.store.inbox import NewDelivery

ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"
SHIPPED = frozenset({"CLOSED", "IN_PROGRESS"})
_ADDRESS_FIELDS = ("country_code", "province_code", "city", "zip")


class TopicHandler(Protocol):
    @property
    def topics(self) -> frozenset[str]: ...

    async def on_webhook(self, shop: str, topic: str, body: Mapping[str, Any]) -> str: ...


class OrderWithdrawal(Protocol):
    async def withdraw(self, shop: str, order_id: str) -> str:
        """Withdraw what is still open for a cancelled order; what was done, in words."""
        ...


class StateChanges:
    topics = frozenset({"fulfillment_orders/cancelled", "orders/cancelled", "orders/updated"})

    def __init__(
        self, *, log: DecisionLog, inbox: Inbox, withdrawals: Sequence[OrderWithdrawal] = ()
    ) -> None:
        self.log = log
        self.inbox = inbox
        self.withdrawals = withdrawals

    async def on_webhook(self, shop: str, topic: str, body: Mapping[str, Any]) -> str:
        if topic == "fulfillment_orders/cancelled":
            return await self._replacement(shop, body)
        order_id = _order_gid(body.get("admin_graphql_api_id") or body.get("id"))
        if order_id is None:
            return f"{topic} names no order"
        if topic == "orders/cancelled":
            notes = [await withdrawal.withdraw(shop, order_id) for withdrawal in self.withdrawals]
            return "; ".join(note for note in notes if note) or "nothing open to withdraw"
        return await self._address(shop, order_id, body)

    async def _replacement(self, shop: str, body: Mapping[str, Any]) -> str:
        replacement = body.get("replacement_fulfillment_order")
        fo_id = replacement.get("id") if isinstance(replacement, dict) else None
        if not isinstance(fo_id, str) or not fo_id.startswith("gid://shopify/FulfillmentOrder/"):
            return "cancelled without a replacement: nothing to decide"
        stored = await self._decide(shop, fo_id, f"replacement:{fo_id}")
        return f"replacement {fo_id} {'to be decided' if stored else 'already queued'}"

    async def _address(self, shop: str, order_id: str, body: Mapping[str, Any]) -> str:
        address = body.get("shipping_address")
        if not isinstance(address, dict):
            return "orders/updated without a shipping address"
        decisions = await self.log.for_order(shop, order_id)
        if not decisions:
            return "not decided yet: its routing-complete webhook decides it"
        seen = await self.log.snapshot_of(decisions[-1].id)
        before = seen.order.shipping_address
        was = {field: getattr(before, field, None) if before else None for field in _ADDRESS_FIELDS}
        now = {field: address.get(field) for field in _ADDRESS_FIELDS}
        if _same(was, now):
            return "address unchanged"
        if any(fo.status in SHIPPED for fo in seen.fulfillment_orders):
            return "address changed, but part of the order has shipped: left as it is"
        open_fos = [fo.id for fo in seen.fulfillment_orders if fo.status in ("OPEN", "ON_HOLD")]
        if not open_fos:
            return "address changed, but no fulfillment order is open"
        digest = hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()[:12]
        await self._decide(shop, open_fos[0], f"address:{order_id}:{digest}")
        return f"address changed ({_words(was)} → {_words(now)}): decided again"

    async def _decide(self, shop: str, fulfillment_order_id: str, webhook_id: str) -> bool:
        body = {"fulfillment_order": {"id": fulfillment_order_id, "status": "open"}}
        return await self.inbox.store(
            NewDelivery(webhook_id=webhook_id, shop=shop, topic=ROUTING_COMPLETE, body=json.dumps(body))
        )


class TopicFunctions:
    """Handlers given as `{topic: async (shop, body) -> str}`, as one `TopicHandler`."""

    def __init__(self, functions: Mapping[str, Callable[[str, Mapping[str, Any]], Awaitable[str]]]) -> None:
        self.functions = dict(functions)
        self.topics = frozenset(self.functions)

    async def on_webhook(self, shop: str, topic: str, body: Mapping[str, Any]) -> str:
        return await self.functions[topic](shop, body)


class TopicHandlers:
    """Several handlers as one: each topic goes to every handler that takes it."""

    def __init__(self, handlers: Sequence[TopicHandler]) -> None:
        self.handlers = handlers
        self.topics = frozenset(topic for handler in handlers for topic in handler.topics)

    async def on_webhook(self, shop: str, topic: str, body: Mapping[str, Any]) -> str:
        said = [await h.on_webhook(shop, topic, body) for h in self.handlers if topic in h.topics]
        return "; ".join(said)


def _same(was: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    return all(str(was[f] or "").casefold().strip() == str(now[f] or "").casefold().strip() for f in was)


def _words(address: Mapping[str, Any]) -> str:
    return ", ".join(str(address[f]) for f in _ADDRESS_FIELDS if address.get(f)) or "none"


def _order_gid(value: object) -> str | None:
    if isinstance(value, str) and value.startswith("gid://shopify/Order/"):
        return value
    if isinstance(value, int | str) and str(value).isdigit():
        return f"gid://shopify/Order/{value}"
    return None
