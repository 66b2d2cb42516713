"""Order views that know what the base views can't see: cancellation and fulfillments.

Both live beside the store (`order_cancel`, `fulfillment_create`), keyed by the emulated world,
so these views need the state as well as the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from adapters.emulator.connections import connection
from adapters.emulator.fulfillment_create import fulfillment_view, fulfillments_of
from adapters.emulator.order_cancel import cancellation_of
from adapters.emulator.orders import Order
from adapters.emulator.state import EmulatorState
from adapters.emulator.store import Store
from adapters.emulator.views import Info, View, Views, iso


class OrderViews(Views):
    def __init__(self, state: EmulatorState, store: Store) -> None:
        super().__init__(store)
        self.state = state

    def order(self, order: Order) -> View:
        view = super().order(order)
        cancelled = cancellation_of(self.state, self.store, order.id)
        shipped = fulfillments_of(self.state, self.store, order.id)
        view["cancelledAt"] = iso(cancelled.at) if cancelled else None
        view["cancelReason"] = cancelled.reason if cancelled else None
        if shipped and not cancelled:
            fos = self.store.fulfillment_orders_of(order.id)
            done = all(fo.status == "CLOSED" for fo in fos)
            view["displayFulfillmentStatus"] = "FULFILLED" if done else "PARTIALLY_FULFILLED"

        def fulfillments(info: Info, first: int | None = None, query: str | None = None) -> list[View]:
            if query:
                raise GraphQLError("the emulator does not search an order's fulfillments (query)")
            shown = shipped[:first] if first is not None else shipped
            return [fulfillment_view(self, made) for made in shown]

        view["fulfillments"] = fulfillments
        return view


def tags_of(query: str | None) -> list[str]:
    """The tags an `orders(query:)` search names (`tag:X` or `tag:"X"`, ANDed); other terms raise."""
    tags: list[str] = []
    rest = (query or "").strip()
    while rest:
        name, colon, value = rest.partition(":")
        if not colon or name.strip().lower() != "tag":
            raise GraphQLError(f"the emulator searches orders only by tag:<value> terms, not {query!r}")
        if value.startswith('"'):
            end = value.find('"', 1)
            if end < 0:
                raise GraphQLError(f"unterminated quote in the order search {query!r}")
            tags.append(value[1:end])
            rest = value[end + 1 :].strip()
        else:
            word, _, rest = value.partition(" ")
            tags.append(word)
            rest = rest.strip()
    return tags


def matching_orders(store: Store, query: str | None) -> list[Order]:
    """Orders carrying every tag the search names (Shopify compares tags without case)."""
    wanted = [tag.lower() for tag in tags_of(query)]
    return [
        order
        for order in store.orders.values()
        if all(tag in {t.lower() for t in order.tags} for tag in wanted)
    ]


def orders_resolver(views: OrderViews) -> Callable[..., View]:
    """`orders(query:)` over the store, searched by tag; paged like every connection."""

    def resolve(info: Info, **args: Any) -> View:
        found = matching_orders(views.store, args.get("query"))
        return connection(found, views.order, lambda order: order.id, args)

    return resolve
