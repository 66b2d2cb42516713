"""Candidate locations: groups spanning stores, per-location settings, and every exclusion."""

from __future__ import annotations

import json

import pytest

from engine import RuleSetError, Snapshot, decide, parse_ruleset
from engine.candidates import safety_table
from engine.policy import LocationGroup, LocationRef, LocationSettings, SkuAmount

from .support import CHICAGO, NEWARK, US, snapshot, trace, with_fo, with_stock

FRIDAY_MORNING = "2026-11-27T09:20:00-05:00"
ORDER = "us-order-moves-to-newark"  # FO 7002 at Brooklyn: NW-0003 ×1, NW-0005 ×2


def _rules(settings: str = "", strategy_extra: str = "", groups: str = "") -> str:
    return (
        (f"location_groups:\n{groups}" if groups else "")
        + (f"locations:\n{settings}" if settings else "")
        + "strategies:\n  - id: dcs\n    locations: [Newark DC, Chicago DC]\n"
        + strategy_extra
        + "fallback: {keep: true}\n"
    )


def _decide(text: str, base: Snapshot | None = None, local_time: str | None = FRIDAY_MORNING) -> list[str]:
    order = (base or snapshot(ORDER)).model_copy(update={"local_time": local_time})
    return trace(decide(order, parse_ruleset({"rules/test.yaml": text})))


EXCLUSIONS = [
    pytest.param(
        "  - {location: Newark DC, daily_capacity: 5}\n",
        {"location_load": {NEWARK: 5}},
        "[candidate] Newark DC excluded: capacity 5/5 today",
        id="capacity",
    ),
    pytest.param(
        "  - {location: Newark DC, hours: {mon-fri: '08:00-18:00'}}\n",
        {"local_time": "2026-11-28T10:00:00-05:00"},
        "[candidate] Newark DC excluded: closed on Saturday",
        id="closed-weekday",
    ),
    pytest.param(
        "  - {location: Newark DC, hours: {mon-fri: '08:00-12:00, 13:00-18:00'}}\n",
        {"local_time": "2026-11-27T12:30:00-05:00"},
        "[candidate] Newark DC excluded: outside business hours (Fri 08:00-12:00, 13:00-18:00)",
        id="outside-hours",
    ),
    pytest.param(
        "  - {location: Newark DC, cutoff: '15:00'}\n",
        {"local_time": "2026-11-27T15:00:00-05:00"},
        "[candidate] Newark DC excluded: after the 15:00 cut-off",
        id="cutoff",
    ),
    pytest.param(
        "  - {location: Newark DC, cutoff: {mon-thu: '15:00', fri: '12:00'}}\n",
        {"local_time": "2026-11-27T12:10:00-05:00"},
        "[candidate] Newark DC excluded: after the 12:00 cut-off",
        id="cutoff-per-day",
    ),
    pytest.param(
        "  - {location: Newark DC, closed_on: [2026-11-27]}\n",
        {},
        "[candidate] Newark DC excluded: closed on 2026-11-27 (calendar)",
        id="calendar",
    ),
    pytest.param(
        "  - {location: Newark DC, refuses: {sku: [NW-0005]}}\n",
        {},
        "[candidate] Newark DC excluded: does not ship NW-0005 (refuses sku in [nw-0005])",
        id="restriction",
    ),
    pytest.param(
        "  - {location: Newark DC, safety_stock: 3}\n",
        {},
        "[candidate] Newark DC short: NW-0005 (need 2, have 1 after safety stock 3)",
        id="safety-stock",
    ),
    pytest.param(
        "  - {location: Newark DC, safety_stock_by_sku: {nw-0005: 5}}\n",
        {},
        "[candidate] Newark DC short: NW-0005 (need 2, 4 available < safety stock 5)",
        id="safety-stock-per-sku",
    ),
]


@pytest.mark.parametrize(("settings", "change", "line"), EXCLUSIONS)
def test_each_exclusion_is_traced_and_the_next_location_ships(
    settings: str, change: dict[str, object], line: str
) -> None:
    base = snapshot(ORDER).model_copy(update={"local_time": FRIDAY_MORNING, **change})
    decision = decide(base, parse_ruleset({"rules/test.yaml": _rules(settings)}))
    assert line in trace(decision)
    assert decision.fulfillment_orders[0].to_location_id == CHICAGO


@pytest.mark.parametrize(
    ("ignore", "settings", "time"),
    [
        ("cutoff", "  - {location: Newark DC, cutoff: '15:00'}\n", "2026-11-27T16:00:00-05:00"),
        ("capacity", "  - {location: Newark DC, daily_capacity: 1}\n", FRIDAY_MORNING),
        ("business_hours", "  - {location: Newark DC, hours: {sat: '10:00-11:00'}}\n", FRIDAY_MORNING),
        ("closed_days", "  - {location: Newark DC, closed_on: [2026-11-27]}\n", FRIDAY_MORNING),
        ("restrictions", "  - {location: Newark DC, refuses: {sku: [NW-0005]}}\n", FRIDAY_MORNING),
        ("safety_stock", "  - {location: Newark DC, safety_stock: 10}\n", FRIDAY_MORNING),
    ],
)
def test_a_strategy_may_ignore_an_exclusion(ignore: str, settings: str, time: str) -> None:
    base = snapshot(ORDER).model_copy(update={"local_time": time, "location_load": {NEWARK: 1}})
    decision = decide(base, parse_ruleset({"rules/test.yaml": _rules(settings, f"    ignore: [{ignore}]\n")}))
    assert decision.fulfillment_orders[0].to_location_id == NEWARK


def test_shopifys_own_limits_cannot_be_ignored() -> None:
    with pytest.raises(RuleSetError, match=r"`inactive` cannot be ignored"):
        parse_ruleset({"rules/test.yaml": _rules(strategy_extra="    ignore: [inactive]\n")})


def test_time_rules_stop_a_move_in_and_a_stay_shopify_chose_but_not_a_placement_of_ours() -> None:
    settings = "  - {location: Brooklyn Store, hours: {mon-sat: '10:00-19:00'}}\n"
    text = _rules(settings).replace("[Newark DC, Chicago DC]", "[Brooklyn Store, Chicago DC]")
    early = snapshot(ORDER).model_copy(update={"local_time": FRIDAY_MORNING})
    decision = decide(early, parse_ruleset({"rules/test.yaml": text}))
    assert (
        "[candidate] Brooklyn Store (current location) excluded: outside business hours (Fri 10:00-19:00)"
        in (trace(decision))
    )
    assert decision.fulfillment_orders[0].to_location_id == CHICAGO
    ours = json.dumps(
        {"fulfillment_orders": [{"id": "x", "action": "keep", "to": "gid://shopify/Location/105"}]}
    )
    placed = early.model_copy(
        update={"order": early.order.model_copy(update={"metafields": {"routing_engine.decision": ours}})}
    )
    assert decide(placed, parse_ruleset({"rules/test.yaml": text})).fulfillment_orders[0].action == "keep"


def test_without_the_shop_time_the_time_rules_are_not_checked_and_the_trace_says_so() -> None:
    lines = _decide(_rules("  - {location: Newark DC, cutoff: '00:01'}\n"), local_time=None)
    assert "[time] shop-local time unknown: business hours, cut-offs and closed days not checked" in lines
    assert "[candidate] Newark DC ships complete: FO 7002" in lines


GROUPS = """\
  east: [Newark DC, Brooklyn Store]
  cross-border:
    store: north-wind-us.myshopify.com
    safety_stock: 1
    locations:
      - Chicago DC
      - {store: north-wind-ca.myshopify.com, location: Toronto DC}
"""


def test_groups_expand_in_order_and_other_stores_locations_are_traced_and_skipped() -> None:
    text = _rules(groups=GROUPS).replace("[Newark DC, Chicago DC]", "[{group: cross-border}, {group: east}]")
    ruleset = parse_ruleset({"rules/test.yaml": text})
    group = ruleset.group("cross-border")
    assert group is not None and group.locations == (
        LocationRef(location="Chicago DC", store=US),
        LocationRef(location="Toronto DC", store="north-wind-ca.myshopify.com"),
    )
    lines = trace(decide(snapshot(ORDER), ruleset))
    assert (
        "[candidate] Toronto DC (north-wind-ca.myshopify.com) skipped: "
        "other store — no stand-in location for it in this store (stores file `stand_ins`)" in lines
    )
    assert "[candidate] Chicago DC ships complete: FO 7002" in lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _rules(groups="  east: [Newark DC]\n").replace("[Newark DC, Chicago DC]", "[{group: west}]"),
            ["strategy dcs", "no location group `west`", "did you mean `east`?"],
        ),
        (_rules(groups="  East Coast: [Newark DC]\n"), ["`East Coast` is not a valid group name"]),
        (_rules(groups="  east: []\n"), ["a location group must list at least one location"]),
        (_rules(groups="  east: {locations: [A], safety: 2}\n"), ["unknown key `safety`", "safety_stock"]),
        (
            _rules("  - {location: Newark DC, hours: {mon-fri: '18:00-08:00'}}\n"),
            ["location Newark DC", "`18:00-08:00` is not an opening interval", "end after start"],
        ),
        (
            _rules("  - {location: Newark DC, hours: {weekdays: '08:00-18:00'}}\n"),
            ["`weekdays` is not a weekday"],
        ),
        (_rules("  - {location: Newark DC, cutoff: 15:00}\n"), ["must be text, YAML read a int", "quotes"]),
        (_rules("  - {location: Newark DC, cost: {USA: 3}}\n"), ["`USA` is not a country code"]),
        (
            _rules("  - {location: Newark DC, daily_capacity: 0}\n"),
            ["`daily_capacity` must be a whole number of at least 1"],
        ),
        (_rules("  - {location: Newark DC, priority: first}\n"), ["`priority` must be a whole number"]),
        (
            _rules("  - {location: Newark DC}\n  - {location: newark dc}\n"),
            ["location newark dc", "settings already given at rules/test.yaml:2:5"],
        ),
        (_rules("  - {location: Newark DC, capacity: 3}\n"), ["unknown key `capacity`", "daily_capacity"]),
    ],
)
def test_group_and_settings_mistakes_are_reported_with_the_fix(text: str, expected: list[str]) -> None:
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset({"rules/test.yaml": text})
    for part in expected:
        assert part in str(caught.value)


def test_settings_read_every_key() -> None:
    text = _rules(
        "  - location: Newark DC\n    store: north-wind-us.myshopify.com\n    priority: 2\n"
        "    cost: {US: 6.5, other: 20}\n    daily_capacity: 120\n    safety_stock: 1\n"
        "    safety_stock_by_sku: {NW-0001: 5}\n    hours: {mon-fri: '08:00-18:00', sat: closed}\n"
        "    cutoff: '15:00'\n    closed_on: [2026-12-25]\n    refuses: {product_type: [Hazmat]}\n"
    )
    (settings,) = parse_ruleset({"rules/test.yaml": text}).location_settings
    assert (settings.priority, settings.daily_capacity, settings.safety_stock) == (2, 120, 1)
    assert (settings.cost_to("US"), settings.cost_to("CA")) == (6.5, 20.0)
    assert settings.hours is not None and [d.day for d in settings.hours] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
    ]
    assert settings.hours[-1].open == ()
    assert len(settings.cutoffs) == 7 and settings.closed_on == ("2026-12-25",)


@pytest.mark.parametrize(
    ("group", "location", "sku", "expected"),
    [
        ((3, {"A": 9}), (2, {"A": 8}), "a", 9),  # the group's per-SKU first
        ((3, {}), (2, {"A": 8}), "a", 8),  # then the location's per-SKU
        ((3, {}), (2, {}), "a", 3),  # then the group's
        ((None, {}), (2, {}), "a", 2),  # then the location's
        ((None, {}), (None, {}), "a", 0),
    ],
)
def test_the_most_specific_safety_stock_wins(
    group: tuple[int | None, dict[str, int]],
    location: tuple[int | None, dict[str, int]],
    sku: str,
    expected: int,
) -> None:
    def amounts(by_sku: dict[str, int]) -> tuple[SkuAmount, ...]:
        return tuple(SkuAmount(sku=s, units=u) for s, u in by_sku.items())

    g = LocationGroup(name="g", locations=(), safety_stock=group[0], safety_stock_by_sku=amounts(group[1]))
    s = LocationSettings(
        ref=LocationRef(location="x"), safety_stock=location[0], safety_stock_by_sku=amounts(location[1])
    )
    by_sku, default = safety_table(g, s)
    assert by_sku.get(sku, default) == expected


def test_safety_stock_holds_back_free_units_only_never_the_orders_own() -> None:
    # Brooklyn has 0 NW-0003 and 0 NW-0005 available, but the order's own units are there.
    base = with_stock(
        with_stock(snapshot(ORDER), "gid://shopify/InventoryItem/1003", {}),
        "gid://shopify/InventoryItem/1005",
        {},
    )
    text = "locations:\n  - {location: Brooklyn Store, safety_stock: 5}\n"
    text += "strategies:\n  - id: s\n    locations: [Brooklyn Store]\nfallback: {keep: true}\n"
    decision = decide(with_fo(base), parse_ruleset({"rules/test.yaml": text}))
    assert "[candidate] Brooklyn Store (current location) ships complete: FO 7002" in trace(decision)
