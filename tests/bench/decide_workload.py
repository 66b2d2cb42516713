"""The decision core's reference workload (issue 3), generated from a seeded RNG.

- 3 stores with 20 locations each (60), coordinates in their region, 300 SKUs per store;
- one rule set (parsed from YAML like any other) with 42 strategies and 2 holds that wait,
  location groups (one spanning two stores), per-location settings (priority, cost table,
  daily capacity, business hours, cut-offs, closed days, safety stock, refusals), conditions of
  every kind (tags, customer tags, price, channel, payment, destination, lines, metafields,
  weekday and time), ranking by distance, priority, cost, stock and load, and split strategies;
- a pool of 2,000 orders of 1 to 8 lines (one in ten with two fulfillment orders).
"""

from __future__ import annotations

import random
from typing import Any

import yaml

from engine import (
    Address,
    FulfillmentOrder,
    FulfillmentOrderLine,
    Location,
    Order,
    RuleSet,
    Snapshot,
    parse_ruleset,
)

SEED = 20261127
STORES = {
    "bench-us.myshopify.com": (
        "US",
        "USD",
        (32.0, 45.0),
        (-122.0, -72.0),
        ["NY", "NJ", "IL", "TX", "CA", "WA", "NV", "GA"],
    ),
    "bench-ca.myshopify.com": (
        "CA",
        "CAD",
        (43.0, 53.0),
        (-123.0, -63.0),
        ["ON", "QC", "BC", "AB", "NS", "MB"],
    ),
    "bench-eu.myshopify.com": ("DE", "EUR", (47.5, 54.5), (6.0, 14.5), ["BY", "BE", "HH", "NW", "SN", "HE"]),
}
SHORT = {"bench-us.myshopify.com": "us", "bench-ca.myshopify.com": "ca", "bench-eu.myshopify.com": "eu"}
LOCATIONS_PER_STORE = 20
DCS_PER_STORE = 8
SKUS_PER_STORE = 300
POOL = 2_000
VENDORS = ("North Wind", "Acme Outdoor", "Polar Gear", "Trailhead", "Summit Co")
PRODUCT_TYPES = ("Apparel", "Tents", "Accessories", "Footwear", "Hazmat")
ORDER_TAGS = (("vip", 0.1), ("rush", 0.05), ("gift", 0.03), ("fraud-review", 0.01), ("repeat", 0.2))
CUSTOMER_TAGS = (("vip", 0.1), ("wholesale", 0.05), ("newsletter", 0.3))


def dcs_of(per_store: int) -> int:
    """Distribution centres among a store's locations (they come first); at least half are shops."""
    return min(DCS_PER_STORE, per_store // 2)


def location_name(store: str, index: int, dcs: int = DCS_PER_STORE) -> str:
    kind = "DC" if index < dcs else "Store"
    return f"{SHORT[store].upper()} {kind} {index + 1:02d}"


def build_locations(rng: random.Random, per_store: int = LOCATIONS_PER_STORE) -> list[Location]:
    locations: list[Location] = []
    for store, (country, _, lats, lons, provinces) in STORES.items():
        for index in range(per_store):
            locations.append(
                Location(
                    id=f"gid://shopify/Location/{len(locations) + 1}",
                    name=location_name(store, index, dcs_of(per_store)),
                    store=store,
                    is_active=rng.random() > 0.03,
                    address=Address(
                        country_code=country,
                        province_code=rng.choice(provinces),
                        latitude=round(rng.uniform(*lats), 4),
                        longitude=round(rng.uniform(*lons), 4),
                    ),
                )
            )
    return locations


def rules_text(
    rng: random.Random, per_store: int = LOCATIONS_PER_STORE, strategies_per_store: int | None = None
) -> str:
    """The reference rule set, as the YAML an author would write (dumped from data here).

    `strategies_per_store` (scaling curves): fewer keeps the last ones of each store (the
    catch-alls among them); more puts narrow strategies that rarely apply in front of them.
    """
    groups: dict[str, Any] = {}
    settings: list[dict[str, Any]] = []
    strategies: list[dict[str, Any]] = []
    for store, (country, currency, _, _, provinces) in STORES.items():
        s = SHORT[store]
        dcs = dcs_of(per_store)
        names = [location_name(store, i, dcs) for i in range(per_store)]
        groups[f"{s}-dcs"] = {"store": store, "locations": names[:dcs], "safety_stock": 1}
        groups[f"{s}-stores"] = {"store": store, "locations": names[dcs:], "safety_stock": 2}
        groups[f"{s}-east"] = {"store": store, "locations": names[0:dcs:2]}
        groups[f"{s}-west"] = {"store": store, "locations": names[1:dcs:2]}
        for index, name in enumerate(names):
            entry: dict[str, Any] = {
                "location": name,
                "store": store,
                "priority": rng.randint(1, 5),
                "cost": {country: round(rng.uniform(4, 12), 2), "other": round(rng.uniform(15, 30), 2)},
            }
            if index < dcs:
                entry["daily_capacity"] = rng.randint(80, 400)
                entry["cutoff"] = rng.choice(["14:00", "15:00", "16:30"])
                entry["closed_on"] = ["2026-12-25", "2027-01-01"]
                if index % 3 == 0:
                    entry["refuses"] = {"product_type": ["Hazmat"]}
            else:
                entry["hours"] = {"mon-fri": "09:00-20:00", "sat": "10:00-18:00", "sun": "11:00-17:00"}
                entry["safety_stock_by_sku"] = {f"{s.upper()}-0001": 5, f"{s.upper()}-0002": 5}
            settings.append(entry)
        strategies += scaled(_strategies(store, country, currency, provinces), strategies_per_store)
    groups["north-america"] = {
        "locations": [
            {"store": store, "location": location_name(store, i, dcs_of(per_store))}
            for store in list(STORES)[:2]
            for i in range(3)
        ]
    }
    document = {
        "location_groups": groups,
        "locations": settings,
        "holds": [
            {
                "id": "await-payment",
                "when": {"financial_status": {"not_in": ["PAID", "PARTIALLY_REFUNDED"]}},
                "reason": "AWAITING_PAYMENT",
                "note": "{order} waits for payment ({financial_status})",
                "release_on": ["orders/paid", "order_transactions/create"],
            },
            {
                "id": "fraud-review",
                "when": {"order_tags": ["fraud-review"]},
                "reason": "HIGH_RISK_OF_FRAUD",
                "release_on": ["orders/updated"],
            },
        ],
        "strategies": strategies,
        "fallback": {"hold": {"reason": "INVENTORY_OUT_OF_STOCK", "note": "{order}: short {short_skus}"}},
    }
    return yaml.safe_dump(document, sort_keys=False)


def _strategies(store: str, country: str, currency: str, provinces: list[str]) -> list[dict[str, Any]]:
    """Fourteen strategies of one store: conditions of every kind, every ranking, splits."""
    s = SHORT[store]
    east, west = provinces[: len(provinces) // 2], provinces[len(provinces) // 2 :]
    dcs, shops = [{"group": f"{s}-dcs"}], [{"group": f"{s}-stores"}]

    def strategy(name: str, when: dict[str, Any], locations: list[Any], **options: Any) -> dict[str, Any]:
        return {"id": f"{s}-{name}", "when": {"store": store, **when}, "locations": locations, **options}

    split = {"allocation": "split"}
    return [
        strategy(
            "vip-nearest",
            {"customer_tags": ["vip"]},
            dcs,
            rank=["distance", "priority"],
            **split,
            prefer="nearer",
            max_shipments=3,
        ),
        strategy(
            "wholesale",
            {"any": [{"customer_tags": ["wholesale", "b2b"]}, {"order_name": {"matches": "^#B2B"}}]},
            dcs,
            rank=["priority", "load"],
        ),
        strategy("hazmat", {"any_line": {"product_type": ["Hazmat"]}}, dcs, rank=["distance"]),
        strategy("big", {"currency": currency, "total_price": {">=": 500}}, dcs, rank=["priority", "cost"]),
        strategy("marketplace", {"sales_channel": ["amazon", "ebay"]}, dcs, rank=["cost", "stock"]),
        strategy(
            "east",
            {"destination_province": east},
            [{"group": f"{s}-east"}],
            rank=[{"distance": {"band_km": 300}}, "priority"],
        ),
        strategy("west", {"destination_province": west}, [{"group": f"{s}-west"}], rank=["distance"]),
        strategy(
            "late",
            {"weekday": ["mon-fri"], "local_time": {">=": "15:00"}},
            dcs,
            ignore=["cutoff"],
            rank=["distance"],
        ),
        strategy("gift", {"metafield.custom.gift_wrap": {"equals": "yes"}}, shops, rank=["distance"]),
        strategy(
            "weekend",
            {"weekday": ["sat", "sun"], "not": {"order_tags": ["rush"]}},
            shops,
            rank=["distance", "stock"],
        ),
        strategy(
            "many-lines",
            {"line_count": {">=": 5}},
            dcs,
            rank=["distance"],
            **split,
            max_shipments=2,
            keep_together=["vendor"],
            min_shipment_value=20,
            partial=True,
        ),
        strategy("complete", {}, dcs, rank=["distance", "priority"]),
        strategy(
            "cross-border", {"destination_country": {"not_in": [country]}}, [{"group": "north-america"}]
        ),
        strategy(
            "split-anywhere", {}, dcs + shops, rank=["distance"], **split, max_shipments=3, partial=True
        ),
    ]


def scaled(strategies: list[dict[str, Any]], count: int | None) -> list[dict[str, Any]]:
    """One store's strategies cut or padded to `count` (None: as they are)."""
    if count is None:
        return strategies
    if count <= len(strategies):
        return strategies[len(strategies) - count :]
    first = strategies[0]
    store, prefix = first["when"]["store"], first["id"].split("-", 1)[0]
    narrow = [
        {"order_tags": ["wholesale-{n}"]},
        {"customer_tags": ["tier-{n}"]},
        {"destination_zip": {"matches": "^0{n}"}},
        {"sales_channel": ["channel-{n}"]},
    ]
    padding = []
    for n in range(count - len(strategies)):
        when = yaml.safe_load(yaml.safe_dump(narrow[n % len(narrow)]).replace("{n}", str(n)))
        padding.append(
            {
                "id": f"{prefix}-narrow-{n}",
                "when": {"store": store, **when},
                "locations": first["locations"],
                "rank": ["distance"],
            }
        )
    return padding + strategies


def build_inventory(rng: random.Random, locations: list[Location]) -> dict[str, dict[str, int]]:
    inventory: dict[str, dict[str, int]] = {}
    for store in STORES:
        own = [loc for loc in locations if loc.store == store]
        dcs = dcs_of(len(own))
        for sku in range(1, SKUS_PER_STORE + 1):
            item = f"gid://shopify/InventoryItem/{SHORT[store]}{sku}"
            # DCs carry nearly the whole range in depth; stores a part of it, a few units each.
            inventory[item] = {
                loc.id: rng.randint(0, 60) if index < dcs else rng.randint(0, 8)
                for index, loc in enumerate(own)
                if rng.random() < (0.92 if index < dcs else 0.5)
            }
    return inventory


def build_order(
    rng: random.Random, n: int, locations: list[Location], inventory: dict[str, dict[str, int]]
) -> Snapshot:
    store = rng.choice(list(STORES))
    country, currency, lats, lons, provinces = STORES[store]
    own = [loc for loc in locations if loc.store == store]
    destination = Address(
        country_code=country if rng.random() > 0.05 else "US",
        province_code=rng.choice(provinces),
        zip=f"{rng.randint(10000, 99999)}",
        latitude=round(rng.uniform(*lats), 4),
        longitude=round(rng.uniform(*lons), 4),
    )
    count = rng.randint(1, 8)
    skus = rng.sample(range(1, SKUS_PER_STORE + 1), count)
    lines = []
    for index, sku in enumerate(skus):
        quantity = rng.randint(1, 3)
        lines.append(
            FulfillmentOrderLine(
                id=f"gid://shopify/FulfillmentOrderLineItem/{n}{index:02d}",
                sku=f"{SHORT[store].upper()}-{sku:04d}",
                inventory_item_id=f"gid://shopify/InventoryItem/{SHORT[store]}{sku}",
                remaining_quantity=quantity,
                total_quantity=quantity,
                vendor=rng.choice(VENDORS),
                product_type=rng.choice(PRODUCT_TYPES) if rng.random() < 0.5 else "Apparel",
                unit_price=round(rng.uniform(5, 250), 2),
            )
        )
    split_at = count // 2 if count > 1 and rng.random() < 0.1 else count
    groups = [lines[:split_at], lines[split_at:]] if split_at < count else [lines]
    fos = []
    for index, group in enumerate(groups):
        assigned = rng.choice(own)
        fos.append(
            FulfillmentOrder(
                id=f"gid://shopify/FulfillmentOrder/{n}{index}",
                status="OPEN",
                assigned_location_id=assigned.id,
                delivery_method="SHIPPING",
                destination=destination,
                lines=tuple(group),
                supported_actions=frozenset({"MOVE", "HOLD", "SPLIT", "CREATE_FULFILLMENT"}),
                movable_to=frozenset(loc.id for loc in own if loc.id != assigned.id),
            )
        )
    items = {line.inventory_item_id for line in lines if line.inventory_item_id}
    total = sum((line.unit_price or 0) * line.remaining_quantity for line in lines)
    day = rng.randint(23, 29)
    order = Order(
        id=f"gid://shopify/Order/{n}",
        name=f"#B2B-{n}" if rng.random() < 0.05 else f"#{1000 + n}",
        tags=frozenset(tag for tag, share in ORDER_TAGS if rng.random() < share),
        metafields={"custom.gift_wrap": "yes"} if rng.random() < 0.05 else {},
        shipping_address=destination,
        total_price=round(total, 2),
        currency=currency,
        sales_channel=rng.choice(["web", "web", "web", "pos", "amazon", "ebay"]),
        financial_status="PAID" if rng.random() < 0.9 else "PENDING",
        customer_tags=frozenset(tag for tag, share in CUSTOMER_TAGS if rng.random() < share),
    )
    return Snapshot(
        store=store,
        order=order,
        fulfillment_orders=tuple(fos),
        locations=tuple(locations),
        inventory={item: inventory[item] for item in items},
        local_time=f"2026-11-{day:02d}T{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:00-05:00",
        location_load={loc.id: rng.randint(0, 300) for loc in own if rng.random() < 0.5},
    )


def workload(
    per_store: int = LOCATIONS_PER_STORE, strategies_per_store: int | None = None, pool: int = POOL
) -> tuple[RuleSet, list[Snapshot]]:
    """The rule set and the pool of orders (the reference workload unless told otherwise)."""
    rng = random.Random(SEED)
    locations = build_locations(rng, per_store)
    ruleset = parse_ruleset({"bench/rules.yaml": rules_text(rng, per_store, strategies_per_store)})
    inventory = build_inventory(rng, locations)
    return ruleset, [build_order(rng, n, locations, inventory) for n in range(pool)]
