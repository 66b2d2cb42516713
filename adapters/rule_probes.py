"""Small synthetic orders that take a rule set through the whole engine, for the child check.

A rule set is only known to be safe once durable_rules has matched facts with it and the engine
has acted on the result, so the child decides a few orders before it says "valid": one from a
store no rule names (most conditions fail), and one per store the rules name, at locations
named as the rules name them, with stock spread so that candidates, ranking and splitting all
have work to do.
"""

from __future__ import annotations

from adapters.rule_references import location_names, stores_named
from engine import (
    Address,
    FulfillmentOrder,
    FulfillmentOrderLine,
    Location,
    Order,
    RuleSet,
    Snapshot,
)

PROBE_STORE = "routing-engine-probe.myshopify.com"
_CURRENT = "gid://shopify/Location/900000"


def probe_snapshots(ruleset: RuleSet) -> list[Snapshot]:
    return [
        _probe(store, sorted(location_names(ruleset, store)))
        for store in [PROBE_STORE, *sorted(stores_named(ruleset))]
    ]


def _probe(store: str, names: list[str]) -> Snapshot:
    current = Location(id=_CURRENT, name="Probe current", store=store, address=_address(0))
    others = [
        Location(
            id=name if name.startswith("gid://") else f"gid://shopify/Location/{900001 + index}",
            name=name,
            store=store,
            address=_address(index + 1),
        )
        for index, name in enumerate(names or ["Probe other"])
    ]
    items = ("gid://shopify/InventoryItem/900001", "gid://shopify/InventoryItem/900002")
    lines = tuple(
        FulfillmentOrderLine(
            id=f"gid://shopify/FulfillmentOrderLineItem/90000{n}",
            sku=f"PROBE-{n}",
            inventory_item_id=item,
            remaining_quantity=n,
            total_quantity=n,
            vendor="Probe",
            product_type="Probe",
            unit_price=10.0,
        )
        for n, item in enumerate(items, start=1)
    )
    fo = FulfillmentOrder(
        id="gid://shopify/FulfillmentOrder/900001",
        status="OPEN",
        assigned_location_id=current.id,
        delivery_method="SHIPPING",
        destination=_address(0),
        lines=lines,
        supported_actions=frozenset({"MOVE", "HOLD", "SPLIT"}),
        movable_to=frozenset(location.id for location in others),
    )
    # Every other location has the first item; every second one the second: no single one may
    # ship everything, so a split has to be worked out where the rules allow one.
    inventory = {
        items[0]: {location.id: 1 for location in others},
        items[1]: {location.id: 2 for location in others[::2]},
    }
    order = Order(
        id="gid://shopify/Order/900001",
        name="#probe",
        tags=frozenset({"probe"}),
        shipping_address=_address(0),
        total_price=50.0,
        currency="USD",
        sales_channel="web",
        financial_status="PAID",
    )
    return Snapshot(
        store=store,
        order=order,
        fulfillment_orders=(fo,),
        locations=(current, *others),
        inventory=inventory,
        local_time="2026-01-05T10:00:00-05:00",  # a Monday morning: hours and cut-offs are read
    )


def _address(index: int) -> Address:
    return Address(country_code="US", zip="10001", latitude=40.7 - index, longitude=-74.0 - 3 * index)
