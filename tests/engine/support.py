"""Shared helpers for the engine specs: fixtures, the default rules, and applying intents."""

from __future__ import annotations

from pathlib import Path

from engine import (
    DECISION_METAFIELD_KEY,
    DECISION_METAFIELD_NAMESPACE,
    AddOrderTags,
    Decision,
    Hold,
    HoldFulfillmentOrder,
    MoveFulfillmentOrder,
    ReleaseHold,
    RuleSet,
    SetOrderMetafield,
    Snapshot,
    parse_ruleset,
)

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "fixtures" / "snapshots"
US = "north-wind-us.myshopify.com"
CA = "north-wind-ca.myshopify.com"
NEWARK = "gid://shopify/Location/101"
CHICAGO = "gid://shopify/Location/102"
DALLAS = "gid://shopify/Location/103"
RENO = "gid://shopify/Location/104"
BROOKLYN = "gid://shopify/Location/105"
MONTREAL = "gid://shopify/Location/202"


def snapshot(name: str) -> Snapshot:
    return Snapshot.model_validate_json((SNAPSHOTS / f"{name}.json").read_text())


def fixture_names() -> list[str]:
    return sorted(path.stem for path in SNAPSHOTS.glob("*.json"))


def with_fo(base: Snapshot, **change: object) -> Snapshot:
    """The snapshot with its first fulfillment order changed."""
    first = base.fulfillment_orders[0].model_copy(update=change)
    return base.model_copy(update={"fulfillment_orders": (first, *base.fulfillment_orders[1:])})


def with_stock(base: Snapshot, item: str, levels: dict[str, int]) -> Snapshot:
    return base.model_copy(update={"inventory": {**base.inventory, item: levels}})


def default_rules() -> RuleSet:
    return parse_ruleset({"rules/routing.yaml": (ROOT / "rules" / "routing.yaml").read_text()})


def rules(text: str, name: str = "rules/test.yaml") -> RuleSet:
    return parse_ruleset({name: text})


def apply(before: Snapshot, decision: Decision) -> Snapshot:
    """The snapshot Shopify would give after executing the decision's intents.

    A move carries the fulfillment order's committed units with it, as Shopify does; a move of
    some lines carves them out into a new fulfillment order at the target (new line ids) and
    the original keeps the rest; a hold on some lines keeps them in the original and puts the
    rest in a new one.
    """
    fos = {fo.id: fo for fo in before.fulfillment_orders}
    inventory = {item: dict(levels) for item, levels in before.inventory.items()}
    order = before.order
    for n, intent in enumerate(decision.intents):
        if isinstance(intent, MoveFulfillmentOrder):
            fo = fos[intent.fulfillment_order_id]
            moving = {q.id: q.quantity for q in intent.lines} or {
                line.id: line.remaining_quantity for line in fo.lines
            }
            for line in fo.lines:
                quantity = moving.get(line.id, 0)
                levels = inventory.setdefault(line.inventory_item_id or "", {})
                levels[intent.to_location_id] = levels.get(intent.to_location_id, 0) - quantity
                if fo.assigned_location_id:
                    levels[fo.assigned_location_id] = levels.get(fo.assigned_location_id, 0) + quantity
            if not intent.lines:
                fos[fo.id] = fo.model_copy(update={"assigned_location_id": intent.to_location_id})
                continue
            moved = tuple(
                line.model_copy(update={"id": f"{line.id}-m{n}", "remaining_quantity": moving[line.id]})
                for line in fo.lines
                if line.id in moving
            )
            kept = tuple(
                line.model_copy(
                    update={"remaining_quantity": line.remaining_quantity - moving.get(line.id, 0)}
                )
                for line in fo.lines
                if line.remaining_quantity > moving.get(line.id, 0)
            )
            fos[fo.id] = fo.model_copy(update={"lines": kept})
            new_id = f"{fo.id}-m{n}"
            fos[new_id] = fo.model_copy(
                update={"id": new_id, "assigned_location_id": intent.to_location_id, "lines": moved}
            )
        elif isinstance(intent, HoldFulfillmentOrder):
            fo = fos[intent.fulfillment_order_id]
            hold = Hold(
                id=f"gid://shopify/FulfillmentHold/{n}",
                reason=intent.reason,
                handle=intent.handle,
                notes=intent.notes,
                held_by_us=True,
            )
            held_ids = {q.id for q in intent.lines}
            if held_ids:
                rest = tuple(line for line in fo.lines if line.id not in held_ids)
                fos[f"{fo.id}-r{n}"] = fo.model_copy(update={"id": f"{fo.id}-r{n}", "lines": rest})
                fo = fo.model_copy(update={"lines": tuple(line for line in fo.lines if line.id in held_ids)})
            fos[fo.id] = fo.model_copy(update={"status": "ON_HOLD", "holds": (*fo.holds, hold)})
        elif isinstance(intent, ReleaseHold):
            fo = fos[intent.fulfillment_order_id]
            holds = tuple(h for h in fo.holds if not (h.held_by_us and h.handle == intent.handle))
            fos[fo.id] = fo.model_copy(update={"holds": holds, "status": "ON_HOLD" if holds else "OPEN"})
        elif isinstance(intent, SetOrderMetafield):
            key = f"{DECISION_METAFIELD_NAMESPACE}.{DECISION_METAFIELD_KEY}"
            order = order.model_copy(update={"metafields": {**order.metafields, key: intent.value}})
        elif isinstance(intent, AddOrderTags):
            order = order.model_copy(update={"tags": order.tags | set(intent.tags)})
    return before.model_copy(
        update={"order": order, "fulfillment_orders": tuple(fos.values()), "inventory": inventory}
    )


def with_order(base: Snapshot, **change: object) -> Snapshot:
    return base.model_copy(update={"order": base.order.model_copy(update=change)})


def with_location(base: Snapshot, name: str, **change: object) -> Snapshot:
    locations = tuple(loc.model_copy(update=change) if loc.name == name else loc for loc in base.locations)
    return base.model_copy(update={"locations": locations})


def trace(decision: Decision) -> list[str]:
    return [str(entry) for entry in decision.trace]
