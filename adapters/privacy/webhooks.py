"""Shopify's mandatory compliance webhooks, acted on when a worker processes them.

They arrive signed on `/webhooks/shopify` like every topic (intake checks the HMAC and answers
401 otherwise) and are stored first, so a crash loses none; the work below is idempotent, so a
retry repeats it harmlessly.

- `customers/data_request`: recorded as a request (Shopify's `data_request.id`, the customer id,
  the orders). The export is gathered when the merchant asks for it (`routing-engine privacy
  export`), so it holds what we keep then, and nothing a later redaction removed.
- `customers/redact`: the customer's data for `orders_to_redact` is removed (`redaction`), and
  the request recorded with counts only. The email and phone in the compliance payloads
  themselves (this one and the customer's data requests) are removed too.
- `shop/redact` (48 hours after an uninstall): every row of the shop is deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.delivery_steps import MalformedDelivery
from adapters.privacy.redaction import customer_gid, delete_shop, order_gid, redact_customer
from adapters.store.privacy_requests import CUSTOMER_REDACT, DATA_REQUEST, SHOP_REDACT, PrivacyRequests

logger = logging.getLogger(__name__)

COMPLIANCE_TOPICS = frozenset({DATA_REQUEST, CUSTOMER_REDACT, SHOP_REDACT})


class PrivacyWebhooks:
    """The `TopicHandler` of the three compliance topics."""

    topics = COMPLIANCE_TOPICS

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], requests: PrivacyRequests | None = None
    ) -> None:
        self._sessions = sessions
        self._requests = requests or PrivacyRequests(sessions)

    async def on_webhook(self, shop: str, topic: str, body: Mapping[str, Any]) -> str:
        if topic == SHOP_REDACT:
            return await self._shop(shop)
        customer = body.get("customer")
        customer_id = customer_gid(customer.get("id")) if isinstance(customer, dict) else None
        listed = body.get("orders_requested" if topic == DATA_REQUEST else "orders_to_redact")
        if listed is not None and not isinstance(listed, list):
            raise MalformedDelivery(
                f"{topic}: orders list is {type(listed).__name__}, expected a list of order ids"
            )
        orders = sorted({gid for gid in map(order_gid, listed or []) if gid is not None})
        if topic == DATA_REQUEST:
            return await self._data_request(shop, body, customer_id, orders)
        return await self._redact(shop, customer_id, orders)

    async def _data_request(
        self, shop: str, body: Mapping[str, Any], customer_id: str | None, orders: list[str]
    ) -> str:
        request = body.get("data_request")
        request_id = request.get("id") if isinstance(request, dict) else None
        if request_id is None:
            raise MalformedDelivery(
                "customers/data_request: data_request.id is missing; Shopify always sends it"
            )
        async with self._sessions.begin() as session:
            await self._requests.record(
                session,
                shop=shop,
                kind=DATA_REQUEST,
                key=str(request_id),
                customer_id=customer_id,
                order_ids=orders,
                summary={"orders": len(orders)},
                done=False,
            )
        logger.info(
            "privacy: data request %s for %s recorded (%d orders)", request_id, customer_id, len(orders)
        )
        return (
            f"data request {request_id} recorded: export it with "
            f"`routing-engine privacy export --shop {shop} --request-id {request_id}`"
        )

    async def _redact(self, shop: str, customer_id: str | None, orders: list[str]) -> str:
        async with self._sessions.begin() as session:
            changed = await redact_customer(session, shop, orders, customer_id)
            key = hashlib.sha256(json.dumps([customer_id, orders]).encode()).hexdigest()[:32]
            await self._requests.record(
                session,
                shop=shop,
                kind=CUSTOMER_REDACT,
                key=key,
                customer_id=customer_id,
                order_ids=orders,
                summary=changed,
                done=True,
            )
        logger.info("privacy: customer %s redacted on %s: %s", customer_id, shop, _counts(changed))
        return f"customer {customer_id} redacted for {len(orders)} order(s): {_counts(changed)}"

    async def _shop(self, shop: str) -> str:
        async with self._sessions.begin() as session:
            deleted = await delete_shop(session, shop)
            await self._requests.record(
                session,
                shop=shop,
                kind=SHOP_REDACT,
                key="shop",
                customer_id=None,
                order_ids=(),
                summary=deleted,
                done=True,
            )
        logger.info("privacy: shop %s deleted: %s", shop, _counts(deleted))
        return f"shop {shop} deleted: {_counts(deleted)}"


def _counts(changed: Mapping[str, int]) -> str:
    return ", ".join(f"{count} {table}" for table, count in changed.items() if count) or "nothing held"
