"""The GraphQL documents of the client, loaded once from `documents/*.graphql`.

Each document lives in its own file beside this module so that it can be read, diffed and
validated against the Admin schema as it is. Shared fragments live in `fragments.graphql`;
a document gets exactly the fragments it spreads (directly or through other fragments),
because GraphQL rejects unused fragments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

_SPREAD = re.compile(r"\.\.\.\s*(?!on\b)([_A-Za-z][_0-9A-Za-z]*)")
_FRAGMENT = re.compile(r"^fragment\s+([_A-Za-z][_0-9A-Za-z]*)\s+on\b", re.MULTILINE)
_OPERATION = re.compile(r"^(query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One named operation with the fragments it needs, ready to send."""

    name: str
    operation: Literal["query", "mutation"]
    text: str
    file: str

    @property
    def is_mutation(self) -> bool:
        return self.operation == "mutation"


def _read(file: str) -> str:
    return resources.files("adapters.shopify").joinpath("documents", file).read_text("utf-8")


def _split_fragments(text: str) -> dict[str, str]:
    starts = [(m.start(), m.group(1)) for m in _FRAGMENT.finditer(text)]
    ends = [start for start, _ in starts[1:]] + [len(text)]
    return {name: text[start:end].strip() for (start, name), end in zip(starts, ends, strict=True)}


_FRAGMENTS = _split_fragments(_read("fragments.graphql"))


def _needed_fragments(text: str) -> list[str]:
    needed: list[str] = []
    pending = _SPREAD.findall(text)
    while pending:
        name = pending.pop(0)
        if name in needed:
            continue
        if name not in _FRAGMENTS:
            raise KeyError(f"fragment {name} is not defined in fragments.graphql")
        needed.append(name)
        pending.extend(_SPREAD.findall(_FRAGMENTS[name]))
    return needed


def load(file: str) -> Document:
    """Load `documents/<file>` and append the fragments it spreads."""
    body = _read(file)
    match = _OPERATION.search(body)
    if match is None:
        raise ValueError(f"{file} holds no named query or mutation")
    operation: Literal["query", "mutation"] = "mutation" if match.group(1) == "mutation" else "query"
    parts = [body.strip(), *(_FRAGMENTS[name] for name in _needed_fragments(body))]
    return Document(name=match.group(2), operation=operation, text="\n\n".join(parts) + "\n", file=file)


SNAPSHOT = load("snapshot.graphql")
ORDER_SNAPSHOT = load("order_snapshot.graphql")
FULFILLMENT_ORDERS_PAGE = load("fulfillment_orders_page.graphql")
FULFILLMENT_ORDER_LINES_PAGE = load("fulfillment_order_lines_page.graphql")
INVENTORY_LEVELS = load("inventory_levels.graphql")
INVENTORY_LEVELS_PAGE = load("inventory_levels_page.graphql")
# The one-location form; `candidate_stock.stock_document(n)` makes the n-location ones.
STOCK_AT_LOCATIONS = load("stock_at_locations.graphql")
LOCATIONS = load("locations.graphql")
FULFILLMENT_ORDER_STATE = load("fulfillment_order_state.graphql")
ORDER_STATE = load("order_state.graphql")
LINE_PLACEMENT = load("line_placement.graphql")
FULFILLMENT_ORDER_MOVE = load("fulfillment_order_move.graphql")
FULFILLMENT_ORDER_HOLD = load("fulfillment_order_hold.graphql")
FULFILLMENT_ORDER_RELEASE_HOLD = load("fulfillment_order_release_hold.graphql")
FULFILLMENT_ORDER_SPLIT = load("fulfillment_order_split.graphql")
METAFIELDS_SET = load("metafields_set.graphql")
TAGS_ADD = load("tags_add.graphql")
ANNOTATE_ORDER = load("annotate_order.graphql")
OPEN_FULFILLMENT_ORDERS = load("open_fulfillment_orders.graphql")
FULFILLMENT_CREATE = load("fulfillment_create.graphql")
INVENTORY_SET_QUANTITIES = load("inventory_set_quantities.graphql")
INVENTORY_ITEMS_BY_SKU = load("inventory_items_by_sku.graphql")
ORDER_SHIP_TO = load("order_ship_to.graphql")
ORDER_CREATE = load("order_create.graphql")
ORDER_CANCEL = load("order_cancel.graphql")
LINKED_ORDER = load("linked_order.graphql")
LINKED_ORDERS_BY_TAG = load("linked_orders_by_tag.graphql")
LINKED_ORDER_FULFILLMENTS = load("linked_order_fulfillments.graphql")
# App setup (`routing-engine shopify subscribe` / `doctor`).
APP_INSTALLATION = load("app_installation.graphql")
WEBHOOK_SUBSCRIPTIONS = load("webhook_subscriptions.graphql")
WEBHOOK_SUBSCRIPTION_CREATE = load("webhook_subscription_create.graphql")

ALL: tuple[Document, ...] = (
    SNAPSHOT,
    ORDER_SNAPSHOT,
    FULFILLMENT_ORDERS_PAGE,
    FULFILLMENT_ORDER_LINES_PAGE,
    INVENTORY_LEVELS,
    INVENTORY_LEVELS_PAGE,
    STOCK_AT_LOCATIONS,
    LOCATIONS,
    FULFILLMENT_ORDER_STATE,
    ORDER_STATE,
    LINE_PLACEMENT,
    FULFILLMENT_ORDER_MOVE,
    FULFILLMENT_ORDER_HOLD,
    FULFILLMENT_ORDER_RELEASE_HOLD,
    FULFILLMENT_ORDER_SPLIT,
    METAFIELDS_SET,
    TAGS_ADD,
    ANNOTATE_ORDER,
    OPEN_FULFILLMENT_ORDERS,
    FULFILLMENT_CREATE,
    INVENTORY_SET_QUANTITIES,
    INVENTORY_ITEMS_BY_SKU,
    ORDER_SHIP_TO,
    ORDER_CREATE,
    ORDER_CANCEL,
    LINKED_ORDER,
    LINKED_ORDERS_BY_TAG,
    LINKED_ORDER_FULFILLMENTS,
    APP_INSTALLATION,
    WEBHOOK_SUBSCRIPTIONS,
    WEBHOOK_SUBSCRIPTION_CREATE,
)
