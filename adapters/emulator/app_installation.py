"""Our app's installation in each emulated store: the access scopes granted and the shop-specific
webhook subscriptions made through the API (`currentAppInstallation`, `webhookSubscriptions`,
`webhookSubscriptionCreate`).

Every store starts with the scopes of `shopify.app.toml` granted and no subscription. A test
narrows the grant with `installation(state, store).scopes = [...]`. Subscriptions are recorded,
not used for delivery: the emulator sends every webhook to its one configured URL.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from adapters.emulator.connections import connection
from adapters.emulator.outcomes import Outcome, UserError
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store
from adapters.shopify_setup.needs import REQUIRED_SCOPES

View = dict[str, Any]


@dataclass
class Subscription:
    id: str
    topic: str  # the enum value, e.g. ORDERS_PAID
    uri: str
    created_at: str
    include_fields: list[str] = field(default_factory=list)
    filter: str | None = None


@dataclass
class Installation:
    store_id: str
    scopes: list[str] = field(default_factory=lambda: list(REQUIRED_SCOPES))
    subscriptions: list[Subscription] = field(default_factory=list)


# Per emulated world (a reset builds a new state, and with it fresh installations).
_INSTALLATIONS: weakref.WeakKeyDictionary[EmulatorState, dict[str, Installation]] = (
    weakref.WeakKeyDictionary()
)


def installation(state: EmulatorState, store: Store) -> Installation:
    """The app's installation in `store` (created with every required scope on first use)."""
    by_store = _INSTALLATIONS.setdefault(state, {})
    if store.domain not in by_store:
        by_store[store.domain] = Installation(store_id=state.ids.next("AppInstallation"))
    return by_store[store.domain]


def installation_view(state: EmulatorState, store: Store) -> View:
    found = installation(state, store)
    return {
        "id": found.store_id,
        "accessScopes": [{"handle": scope, "description": scope} for scope in found.scopes],
    }


def subscription_view(subscription: Subscription) -> View:
    return {
        "__typename": "WebhookSubscription",
        "id": subscription.id,
        "topic": subscription.topic,
        "uri": subscription.uri,
        "format": "JSON",
        "includeFields": subscription.include_fields,
        "filter": subscription.filter,
        "createdAt": subscription.created_at,
        "updatedAt": subscription.created_at,
    }


def subscriptions_resolver(state: EmulatorState, store: Store) -> Any:
    """`webhookSubscriptions(topics:, uri:, first:, after:, …)`, oldest first as Shopify sorts them."""

    def resolve(info: Any, **args: Any) -> View:
        shown = [
            s
            for s in installation(state, store).subscriptions
            if (not args.get("topics") or s.topic in args["topics"])
            and (args.get("uri") is None or s.uri == args["uri"])
        ]
        return connection(shown, subscription_view, lambda s: s.id, args)

    return resolve


def create_subscription(
    state: EmulatorState, store: Store, topic: str, webhook_subscription: dict[str, Any]
) -> Outcome:
    """`webhookSubscriptionCreate`: one subscription per topic and address, as Shopify enforces."""
    uri = webhook_subscription.get("uri") or webhook_subscription.get("callbackUrl")
    if not uri:
        return Outcome.failed(UserError("Address can't be blank", field=["webhookSubscription", "uri"]))
    if not str(uri).startswith(("https://", "http://", "pubsub://", "arn:aws:events:")):
        return Outcome.failed(UserError("Address is invalid", field=["webhookSubscription", "uri"]))
    found = installation(state, store)
    if any(s.topic == topic and s.uri == uri for s in found.subscriptions):
        return Outcome.failed(
            UserError("Address for this topic has already been taken", field=["webhookSubscription", "uri"])
        )
    made = Subscription(
        id=state.ids.next("WebhookSubscription"),
        topic=topic,
        uri=str(uri),
        created_at=now().isoformat().replace("+00:00", "Z"),
        include_fields=list(webhook_subscription.get("includeFields") or []),
        filter=webhook_subscription.get("filter"),
    )
    found.subscriptions.append(made)
    return Outcome(objects={"webhookSubscription": made})
