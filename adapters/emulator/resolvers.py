"""Root fields of the emulated Admin API: queries over the state and the six mutations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError

from adapters.emulator.app_installation import (
    create_subscription,
    installation_view,
    subscription_view,
    subscriptions_resolver,
)
from adapters.emulator.connections import connection
from adapters.emulator.fulfillment import FulfillmentOrder
from adapters.emulator.fulfillment_create import create_fulfillment, fulfillment_view
from adapters.emulator.holds import hold_fulfillment_order, release_hold
from adapters.emulator.idempotency import idempotency_key
from adapters.emulator.ids import parse_gid
from adapters.emulator.inventory_search import inventory_items_resolver
from adapters.emulator.inventory_set import adjustment_group_view, set_quantities
from adapters.emulator.metafields import add_tags, set_metafields
from adapters.emulator.moves import move_fulfillment_order
from adapters.emulator.order_cancel import cancel_order
from adapters.emulator.order_create import create_order
from adapters.emulator.order_views import OrderViews, orders_resolver
from adapters.emulator.outcomes import Outcome, WebhookEvent
from adapters.emulator.splits import split_fulfillment_orders
from adapters.emulator.state import EmulatorState
from adapters.emulator.store import Store
from adapters.emulator.variant_search import matching
from adapters.emulator.views import Info, View, Views


@dataclass
class MutationRecord:
    store: str
    mutation: str
    variables: dict[str, Any]
    user_errors: list[dict[str, Any]]
    at: str
    idempotency_key: str | None = None  # `@idempotent(key:)`: the same key is one write, replayed

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "mutation": self.mutation,
            "variables": self.variables,
            "idempotencyKey": self.idempotency_key,
            "userErrors": self.user_errors,
            "at": self.at,
        }


@dataclass
class RequestContext:
    state: EmulatorState
    store: Store
    events: list[WebhookEvent] = field(default_factory=list)
    mutations: list[MutationRecord] = field(default_factory=list)


def _node(views: Views, store: Store, object_id: str) -> View | None:
    parsed = parse_gid(object_id)
    if parsed is None:
        return None
    kind = parsed[0]
    if kind == "FulfillmentOrder" and (fo := store.fulfillment_orders.get(object_id)):
        return views.fulfillment_order(fo)
    if kind == "Order" and (order := store.orders.get(object_id)):
        return views.order(order)
    if kind == "Location" and (loc := store.locations.get(object_id)):
        return views.location(loc)
    if kind == "InventoryItem" and (item := store.inventory.items.get(object_id)):
        return views.inventory_item(item)
    if kind == "ProductVariant":
        item = next((i for i in store.inventory.items.values() if i.variant_id == object_id), None)
        return views.variant(item) if item else None
    if kind == "Shop" and object_id == store.shop_id:
        return views.shop()
    return None


def _payload(views: Views, outcome: Outcome) -> View:
    """Turn domain objects of an outcome into views; lists and None pass through."""
    converters: dict[str, Callable[[Any], View]] = {
        "fulfillmentHold": views.hold,
        "metafields": views.metafield,
        "node": views.order,
        "fulfillment": lambda made: fulfillment_view(views, made),
        "inventoryAdjustmentGroup": lambda group: adjustment_group_view(views, group),
        "order": views.order,
        "job": lambda job: job,
        "orderCancelUserErrors": lambda error: error.as_dict(),
        "webhookSubscription": subscription_view,
    }
    payload: View = {"userErrors": [e.as_dict() for e in outcome.user_errors]}
    for name, value in outcome.objects.items():
        convert = converters.get(name, views.fulfillment_order)
        if value is None:
            payload[name] = None
        elif name == "fulfillmentOrderSplits":
            payload[name] = [
                {k: views.fulfillment_order(v) if v else None for k, v in r.items()} for r in value
            ]
        elif isinstance(value, list):
            payload[name] = [convert(v) for v in value]
        else:
            payload[name] = convert(value)
    return payload


def root_value(context: RequestContext) -> dict[str, Any]:
    store, state = context.store, context.state
    views = OrderViews(state, store)  # Views plus cancellation and fulfillments of orders

    def mutation(name: str, run: Callable[..., Outcome], key: str | None = None) -> Callable[..., View]:
        def resolve(info: Info, **args: Any) -> View:
            outcome = run(**args)
            context.events.extend(outcome.events)
            context.mutations.append(
                MutationRecord(
                    store=store.domain,
                    mutation=name,
                    variables=args,
                    user_errors=[e.as_dict() for e in outcome.user_errors],
                    at=datetime.now(UTC).isoformat(),
                    idempotency_key=key,
                )
            )
            return _payload(views, outcome)

        return resolve

    def keyed(name: str, run: Callable[..., Outcome]) -> Callable[..., View]:
        """A mutation that takes `@idempotent(key:)`: the key goes to `run` first."""

        def resolve(info: Info, **args: Any) -> View:
            key = idempotency_key(info)
            return mutation(name, lambda **a: run(key, **a), key)(info, **args)

        return resolve

    def product_variants(info: Info, **args: Any) -> View:
        found = matching(list(store.inventory.items.values()), args.get("query"))
        return connection(found, views.variant, lambda item: item.variant_id, args)

    def fulfillment_order(info: Info, id: str) -> View | None:
        fo = store.fulfillment_orders.get(id)
        return views.fulfillment_order(fo) if fo else None

    def order(info: Info, id: str) -> View | None:
        found = store.orders.get(id)
        return views.order(found) if found else None

    def location(info: Info, id: str | None = None) -> View | None:
        if id is None:
            return views.location(store.locations[store.native_ranking[0]])
        loc = store.locations.get(id)
        return views.location(loc) if loc else None

    def locations(info: Info, **args: Any) -> View:
        shown = [loc for loc in store.locations.values() if loc.is_active or args.get("includeInactive")]
        return connection(shown, views.location, lambda loc: loc.id, args)

    def fulfillment_orders(info: Info, **args: Any) -> View:
        shown = [
            fo
            for fo in store.fulfillment_orders.values()
            if (args.get("includeClosed") or not fo.is_closed) and _matches_search(fo, args.get("query"))
        ]
        return connection(shown, views.fulfillment_order, lambda fo: fo.id, args)

    def inventory_item(info: Info, id: str) -> View | None:
        item = store.inventory.items.get(id)
        return views.inventory_item(item) if item else None

    return {
        "shop": lambda info: views.shop(),
        "fulfillmentOrder": fulfillment_order,
        "fulfillmentOrders": fulfillment_orders,
        "order": order,
        "orders": orders_resolver(views),  # searched by tag (linked orders of hand-offs)
        "location": location,
        "locations": locations,
        "inventoryItem": inventory_item,
        "productVariant": lambda info, id: _node(views, store, id),
        "node": lambda info, id: _node(views, store, id),
        "nodes": lambda info, ids: [_node(views, store, i) for i in ids],
        "fulfillmentOrderMove": mutation(
            "fulfillmentOrderMove",
            lambda id, newLocationId, fulfillmentOrderLineItems=None: move_fulfillment_order(
                state, store, id, newLocationId, fulfillmentOrderLineItems
            ),
        ),
        "fulfillmentOrderHold": mutation(
            "fulfillmentOrderHold",
            lambda id, fulfillmentHold: hold_fulfillment_order(state, store, id, fulfillmentHold),
        ),
        "fulfillmentOrderReleaseHold": mutation(
            "fulfillmentOrderReleaseHold",
            lambda id, holdIds=None, externalId=None: release_hold(state, store, id, holdIds),
        ),
        "fulfillmentOrderSplit": mutation(
            "fulfillmentOrderSplit",
            lambda fulfillmentOrderSplits: split_fulfillment_orders(state, store, fulfillmentOrderSplits),
        ),
        "metafieldsSet": mutation(
            "metafieldsSet", lambda metafields: set_metafields(state, store, metafields)
        ),
        "tagsAdd": mutation("tagsAdd", lambda id, tags: add_tags(store, id, tags)),
        "productVariants": product_variants,
        "fulfillmentCreate": mutation(
            "fulfillmentCreate",
            lambda fulfillment, message=None: create_fulfillment(state, store, fulfillment),
        ),
        "inventorySetQuantities": keyed(
            "inventorySetQuantities", lambda key, input: set_quantities(state, store, key, input)
        ),
        # Cross-store hand-offs (issue 5): the linked order in the fulfilling store.
        "orderCreate": mutation(
            "orderCreate", lambda order, options=None: create_order(state, store, order, options)
        ),
        "orderCancel": mutation(
            "orderCancel",
            lambda orderId, reason, restock, staffNote=None, **_: cancel_order(
                state, store, orderId, reason=reason, restock=restock, staff_note=staffNote
            ),
        ),
        # App setup (`routing-engine shopify subscribe` / `doctor`).
        "currentAppInstallation": lambda info: installation_view(state, store),
        "webhookSubscriptions": subscriptions_resolver(state, store),
        "webhookSubscriptionCreate": mutation(
            "webhookSubscriptionCreate",
            lambda topic, webhookSubscription: create_subscription(state, store, topic, webhookSubscription),
        ),
        # The coordination API's inventory view (issue 5): items searched by SKU.
        "inventoryItems": inventory_items_resolver(views, store),
    }


def _matches_search(fo: FulfillmentOrder, query: str | None) -> bool:
    """The `query` search of `fulfillmentOrders`: `status:<value>` terms (case-insensitive), ANDed.

    Other terms are not emulated and raise, so that a document relying on one fails loudly here.
    """
    for term in (query or "").split():
        name, _, value = term.partition(":")
        if name.lower() != "status" or not value:
            raise GraphQLError(f"the emulator does not support the search term {term!r}")
        if fo.status.lower() != value.lower():
            return False
    return True
