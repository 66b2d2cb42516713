"""Ranking: tie-breakers applied in the order written, then the order of `locations:`."""

from __future__ import annotations

import pytest

from engine import Address, RuleSetError, Snapshot, decide, parse_ruleset
from engine.candidates import haversine_km

from .support import snapshot, trace, with_fo

EVERYWHERE = {"Newark DC": 20, "Chicago DC": 20, "Dallas DC": 20, "Reno DC": 20}
SETTINGS = """\
locations:
  - {location: Newark DC, priority: 1, cost: {US: 9.5, CA: 14}}
  - {location: Chicago DC, priority: 2, cost: 7.25}
  - {location: Dallas DC, priority: 2, cost: 6}
  - {location: Reno DC, cost: {US: 5.5}}
"""


def _stocked(base: Snapshot) -> Snapshot:
    ids = {loc.name: loc.id for loc in base.locations}
    levels = {ids[name]: units for name, units in EVERYWHERE.items()}
    return base.model_copy(update={"inventory": {item: dict(levels) for item in base.inventory}})


def _ranked(rank: str, base: Snapshot | None = None, extra: str = "") -> tuple[str, list[str]]:
    text = (
        SETTINGS
        + "strategies:\n  - id: r\n    locations: [Newark DC, Chicago DC, Dallas DC, Reno DC]\n"
        + f"    rank: {rank}\n{extra}fallback: {{keep: true}}\n"
    )
    order = _stocked(base or snapshot("us-order-four-lines-to-los-angeles"))
    decision = decide(order, parse_ruleset({"rules/test.yaml": text}))
    chosen = order.location(decision.fulfillment_orders[0].to_location_id or "")
    return (chosen.name if chosen else ""), trace(decision)


def test_great_circle_distance() -> None:
    assert round(haversine_km(40.7357, -74.1724, 41.8781, -87.6298)) == 1_130  # Newark–Chicago
    assert haversine_km(10.0, 20.0, 10.0, 20.0) == 0.0


@pytest.mark.parametrize(
    ("rank", "first", "line"),
    [
        ("[distance]", "Reno DC", "1. Reno DC (625 km); 2. Dallas DC (1,992 km)"),
        (
            "[priority]",
            "Newark DC",
            "1. Newark DC (priority 1); 2. Chicago DC (priority 2); 3. Dallas DC (priority 2)",
        ),
        ("[cost]", "Reno DC", "1. Reno DC (cost 5.50); 2. Dallas DC (cost 6.00); 3. Chicago DC (cost 7.25)"),
        (
            "[priority, cost]",
            "Newark DC",
            "2. Dallas DC (priority 2, cost 6.00); 3. Chicago DC (priority 2, cost 7.25)",
        ),
        ("[load]", "Reno DC", "1. Reno DC (5 sent today); 2. Dallas DC (12 sent today)"),
        (
            "[{distance: {band_km: 2500}}, priority]",
            "Dallas DC",
            "1. Dallas DC (1,992 km, priority 2); 2. Reno DC",
        ),
    ],
)
def test_each_tie_breaker_orders_the_candidates(rank: str, first: str, line: str) -> None:
    chosen, lines = _ranked(rank)
    assert chosen == first
    assert any(line in entry for entry in lines if entry.startswith("[rank]")), lines


def test_stock_ranks_the_location_with_most_units_first() -> None:
    base = snapshot("us-order-four-lines-to-los-angeles")
    richer = _stocked(base)
    inventory = {item: {**levels} for item, levels in richer.inventory.items()}
    chicago = next(loc.id for loc in base.locations if loc.name == "Chicago DC")
    inventory["gid://shopify/InventoryItem/1011"][chicago] = 90
    text = SETTINGS + "strategies:\n  - {id: r, locations: [Newark DC, Chicago DC], rank: [stock]}\n"
    text += "fallback: {keep: true}\n"
    decision = decide(
        richer.model_copy(update={"inventory": inventory}), parse_ruleset({"rules/t.yaml": text})
    )
    assert decision.fulfillment_orders[0].to_location_id == chicago
    assert "1. Chicago DC (150 in stock); 2. Newark DC (80 in stock)" in decision.explain()


def test_without_destination_coordinates_distance_gives_way_to_the_next_tie_breaker() -> None:
    base = with_fo(snapshot("us-order-four-lines-to-los-angeles"), destination=Address(country_code="US"))
    base = base.model_copy(update={"order": base.order.model_copy(update={"shipping_address": None})})
    chosen, lines = _ranked("[distance, priority]", base)
    assert chosen == "Newark DC"
    assert (
        "[rank] strategy r ranking: the destination has no coordinates: distance not used, "
        "the next tie-breaker decides" in lines
    )


def test_a_location_without_coordinates_ranks_last_by_distance() -> None:
    base = snapshot("us-order-four-lines-to-los-angeles")
    locations = tuple(
        loc.model_copy(update={"address": Address()}) if loc.name == "Reno DC" else loc
        for loc in base.locations
    )
    chosen, lines = _ranked("[distance]", base.model_copy(update={"locations": locations}))
    assert chosen == "Dallas DC"
    assert any("4. Reno DC (no coordinates)" in line for line in lines)


def test_ties_keep_the_order_written() -> None:
    chosen, lines = _ranked("[{distance: {band_km: 100000}}]")
    assert chosen == "Newark DC"


@pytest.mark.parametrize(
    ("rank", "message"),
    [
        ("[nearest]", "unknown tie-breaker `nearest`"),
        ("[distance, distance]", "`distance` is ranked twice"),
        ("[{priority: {band_km: 3}}]", "`priority` takes no options"),
        ("[{distance: {radius: 3}}]", "unknown key `radius` in `distance`"),
        ("distance", "`rank` must be a list"),
    ],
)
def test_rank_mistakes_are_reported(rank: str, message: str) -> None:
    text = f"strategies:\n  - {{id: r, locations: [A], rank: {rank}}}\nfallback: {{keep: true}}\n"
    with pytest.raises(RuleSetError, match=message):
        parse_ruleset({"rules/test.yaml": text})
