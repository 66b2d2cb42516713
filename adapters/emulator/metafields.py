"""metafieldsSet with compareDigest compare-and-set, and tagsAdd, on orders."""

from __future__ import annotations

import json
from typing import Any

from adapters.emulator.orders import Metafield, Order
from adapters.emulator.outcomes import Outcome, UserError
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store

MAX_METAFIELDS = 25
STALE_MESSAGE = (
    "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value."
)


def _check(store: Store, index: int, entry: dict[str, Any]) -> UserError | None:
    base = ["metafields", str(index)]
    order = store.orders.get(entry["ownerId"])
    if order is None:
        # Not recorded: our wording for an owner the app can't see.
        return UserError("Owner does not exist.", [*base, "ownerId"], "INVALID")
    namespace = entry.get("namespace") or ""
    existing = order.metafield(namespace, entry["key"])
    kind = entry.get("type") or (existing.type if existing else None)
    if kind is None:
        return UserError("Type can't be blank.", [*base, "type"], "BLANK")
    if existing is not None and existing.type != kind:
        return UserError("Type doesn't match the existing metafield's type.", [*base, "type"], "INVALID_TYPE")
    if kind == "json":
        try:
            json.loads(entry["value"])
        except ValueError:
            return UserError("Value is invalid JSON.", [*base, "value"], "INVALID_VALUE")
    if "compareDigest" in entry:
        digest = entry["compareDigest"]
        current = existing.compare_digest if existing else None
        if digest != current:
            return UserError(STALE_MESSAGE, base, "STALE_OBJECT")
    return None


def set_metafields(state: EmulatorState, store: Store, entries: list[dict[str, Any]]) -> Outcome:
    if len(entries) > MAX_METAFIELDS:
        message = f"Exceeded the maximum metafields input limit of {MAX_METAFIELDS}."
        return Outcome(
            objects={"metafields": None},
            user_errors=[UserError(message, ["metafields"], "LESS_THAN_OR_EQUAL_TO")],
        )
    errors = [e for i, entry in enumerate(entries) if (e := _check(store, i, entry)) is not None]
    if errors:
        # Atomic: nothing is written when any entry fails (recorded: `metafields: []`).
        return Outcome(objects={"metafields": []}, user_errors=errors)
    written = []
    for entry in entries:
        order = store.orders[entry["ownerId"]]
        written.append(_upsert(state, order, entry))
    return Outcome(objects={"metafields": written})


def _upsert(state: EmulatorState, order: Order, entry: dict[str, Any]) -> Metafield:
    namespace = entry.get("namespace") or ""
    stamp = now()
    existing = order.metafield(namespace, entry["key"])
    if existing is not None:
        existing.value = entry["value"]
        existing.updated_at = stamp
        return existing
    created = Metafield(
        id=state.ids.next("Metafield"),
        owner_id=order.id,
        namespace=namespace,
        key=entry["key"],
        type=entry["type"],
        value=entry["value"],
        created_at=stamp,
        updated_at=stamp,
    )
    order.metafields.append(created)
    order.updated_at = stamp
    return created


def add_tags(store: Store, owner_id: str, tags: list[str]) -> Outcome:
    order = store.orders.get(owner_id)
    if order is None:
        # Not recorded: our wording.
        return Outcome(objects={"node": None}, user_errors=[UserError("Order does not exist.", ["id"])])
    # A single entry may itself be a comma-separated list, as Shopify accepts.
    wanted = [t.strip() for tag in tags for t in tag.split(",") if t.strip()]
    known = {t.lower() for t in order.tags}
    for tag in wanted:
        if tag.lower() not in known:
            order.tags.append(tag)
            known.add(tag.lower())
    order.updated_at = now()
    return Outcome(objects={"node": order})
