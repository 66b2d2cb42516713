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

    A move carries the fulfillment order's committed units with it, as Shopify does.
    """
    fos = {fo.id: fo for fo in before.fulfillment_orders}
    inventory = {item: dict(levels) for item, levels in before.inventory.items()}
    order = before.order
    for intent in decision.intents:
        if isinstance(intent, MoveFulfillmentOrder):
            fo = fos[intent.fulfillment_order_id]
            for line in fo.lines:
                levels = inventory.setdefault(line.inventory_item_id or "", {})
                levels[intent.to_location_id] = levels.get(intent.to_location_id, 0) - line.remaining_quantity
                if fo.assigned_location_id:
                    was = levels.get(fo.assigned_location_id, 0)
                    levels[fo.assigned_location_id] = was + line.remaining_quantity
            fos[fo.id] = fo.model_copy(update={"assigned_location_id": intent.to_location_id})
        elif isinstance(intent, HoldFulfillmentOrder):
            fo = fos[intent.fulfillment_order_id]
            hold = Hold(
                id="gid://shopify/FulfillmentHold/1",
                reason=intent.reason,
                handle=intent.handle,
                notes=intent.notes,
                held_by_us=True,
            )
            fos[fo.id] = fo.model_copy(update={"status": "ON_HOLD", "holds": (*fo.holds, hold)})
        elif isinstance(intent, SetOrderMetafield):
            key = f"{DECISION_METAFIELD_NAMESPACE}.{DECISION_METAFIELD_KEY}"
            order = order.model_copy(update={"metafields": {**order.metafields, key: intent.value}})
        elif isinstance(intent, AddOrderTags):
            order = order.model_copy(update={"tags": order.tags | set(intent.tags)})
    return before.model_copy(
        update={
            "order": order,
            "fulfillment_orders": tuple(fos[fo.id] for fo in before.fulfillment_orders),
            "inventory": inventory,
        }
    )
