"""Shop-specific webhook subscriptions: read a store's, and create the missing ones (idempotent).

For installs that manage subscriptions by API rather than through `shopify.app.toml`. Existing
subscriptions are read first and only the (topic, address) pairs missing are created, so running
`routing-engine shopify subscribe` again creates nothing. Shopify itself refuses a second
subscription of one topic to one address ("has already been taken"); that answer counts as present.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from adapters.shopify import ShopifyClient, documents
from adapters.shopify_setup.needs import HANDLED_TOPICS, topic_enum

_TAKEN = "already been taken"


@dataclass(frozen=True)
class Subscription:
    """One subscription as Shopify lists it; `topic` in the slash form (`orders/paid`) when known."""

    id: str
    topic: str
    uri: str


@dataclass
class SubscribeReport:
    """What `subscribe` found and did for one store."""

    store: str
    uri: str
    present: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (topic, Shopify's message)

    @property
    def ok(self) -> bool:
        return not self.failed


def topic_name(enum_value: str, known: Iterable[str] = HANDLED_TOPICS) -> str:
    """`ORDERS_PAID` → `orders/paid` for the topics we know; another enum value as it is."""
    return {topic_enum(topic): topic for topic in known}.get(enum_value, enum_value)


async def read_subscriptions(client: ShopifyClient) -> list[Subscription]:
    """Every shop-specific subscription of this app in the store, page by page."""
    found: list[Subscription] = []
    after: str | None = None
    while True:
        data = await client.execute(documents.WEBHOOK_SUBSCRIPTIONS, {"after": after})
        page = data["webhookSubscriptions"]
        found.extend(
            Subscription(id=node["id"], topic=topic_name(node["topic"]), uri=node["uri"])
            for node in page["nodes"]
        )
        info = page["pageInfo"]
        if not info["hasNextPage"]:
            return found
        after = info["endCursor"]


async def subscribe(
    client: ShopifyClient, uri: str, topics: Iterable[str] = HANDLED_TOPICS
) -> SubscribeReport:
    """Subscribe `uri` to each of `topics` that is not subscribed to it yet; report what was done."""
    report = SubscribeReport(store=client.shop_domain, uri=uri)
    existing = {s.topic for s in await read_subscriptions(client) if s.uri == uri}
    for topic in sorted(topics):
        if topic in existing:
            report.present.append(topic)
            continue
        data = await client.execute(
            documents.WEBHOOK_SUBSCRIPTION_CREATE,
            {"topic": topic_enum(topic), "webhookSubscription": {"uri": uri, "format": "JSON"}},
        )
        errors = data["webhookSubscriptionCreate"]["userErrors"]
        if not errors:
            report.created.append(topic)
        elif all(_TAKEN in error["message"] for error in errors):  # made meanwhile by another run
            report.present.append(topic)
        else:
            report.failed.append((topic, "; ".join(error["message"] for error in errors)))
    return report
