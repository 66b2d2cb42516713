"""decision_fingerprint(): equal routing-relevant state, equal fingerprint; any change, a new one."""

from __future__ import annotations

import pytest

from engine import Snapshot, decision_fingerprint

from .support import NEWARK, apply, default_rules, fixture_names, rules, snapshot

RULES = default_rules()


@pytest.mark.parametrize("name", fixture_names())
def test_fingerprint_is_stable_across_reloads(name: str) -> None:
    assert decision_fingerprint(snapshot(name), RULES) == decision_fingerprint(
        snapshot(name), default_rules()
    )


def test_fingerprints_differ_between_scenarios() -> None:
    prints = {decision_fingerprint(snapshot(name), RULES) for name in fixture_names()}
    assert len(prints) == len(fixture_names())


def test_fingerprint_ignores_when_the_snapshot_was_read() -> None:
    base = snapshot("us-order-moves-to-newark")
    later = base.model_copy(update={"read_at": "2026-09-01T12:00:00Z"})
    assert decision_fingerprint(later, RULES) == decision_fingerprint(base, RULES)


def test_fingerprint_ignores_the_order_of_tags_and_stock_entries() -> None:
    base = snapshot("us-order-moves-to-newark")
    shuffled = {item: dict(reversed(levels.items())) for item, levels in reversed(base.inventory.items())}
    assert decision_fingerprint(
        base.model_copy(update={"inventory": shuffled}), RULES
    ) == decision_fingerprint(base, RULES)


def _fo(base: Snapshot, **change: object) -> Snapshot:
    return base.model_copy(
        update={"fulfillment_orders": (base.fulfillment_orders[0].model_copy(update=change),)}
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda s: _fo(s, status="ON_HOLD"),
        lambda s: _fo(s, request_status="SUBMITTED"),
        lambda s: _fo(s, assigned_location_id=NEWARK),
        lambda s: _fo(
            s, lines=(s.fulfillment_orders[0].lines[0].model_copy(update={"remaining_quantity": 9}),)
        ),
        lambda s: s.model_copy(update={"order": s.order.model_copy(update={"tags": frozenset({"vip"})})}),
        lambda s: s.model_copy(
            update={"inventory": {**s.inventory, "gid://shopify/InventoryItem/1003": {NEWARK: 11}}}
        ),
        lambda s: apply(s, __import__("engine").decide(s, RULES)),
    ],
    ids=["status", "request-status", "location", "quantity", "tags", "stock", "after-our-writes"],
)
def test_fingerprint_changes_with_routing_relevant_state(change) -> None:  # type: ignore[no-untyped-def]
    base = snapshot("us-order-moves-to-newark")
    assert decision_fingerprint(change(base), RULES) != decision_fingerprint(base, RULES)


def test_fingerprint_changes_with_the_rule_set() -> None:
    base = snapshot("us-order-moves-to-newark")
    other = rules("strategies: []\nfallback: {keep: true}\n")
    assert decision_fingerprint(base, other) != decision_fingerprint(base, RULES)


def test_fingerprint_ignores_stock_of_items_the_order_does_not_contain() -> None:
    base = snapshot("us-order-moves-to-newark")
    extra = base.model_copy(
        update={"inventory": {**base.inventory, "gid://shopify/InventoryItem/1030": {NEWARK: 1}}}
    )
    assert decision_fingerprint(extra, RULES) == decision_fingerprint(base, RULES)


TIMED = """\
locations:
  - {location: Newark DC, cutoff: '15:00', daily_capacity: 10}
strategies:
  - {id: s, locations: [Newark DC, Chicago DC]}
fallback: {keep: true}
"""


def _at(base: Snapshot, time: str, load: int = 0) -> Snapshot:
    return base.model_copy(update={"local_time": time, "location_load": {NEWARK: load}})


def test_the_shop_time_counts_as_the_day_and_the_stretch_between_the_rules_times() -> None:
    timed = rules(TIMED)
    base = snapshot("us-order-moves-to-newark")
    morning = decision_fingerprint(_at(base, "2026-11-27T09:00:00-05:00"), timed)
    assert decision_fingerprint(_at(base, "2026-11-27T14:59:00-05:00"), timed) == morning
    assert decision_fingerprint(_at(base, "2026-11-27T15:00:00-05:00"), timed) != morning
    assert decision_fingerprint(_at(base, "2026-11-28T09:00:00-05:00"), timed) != morning
    # Rules that read no time: the time does not count at all.
    assert decision_fingerprint(_at(base, "2026-11-28T23:00:00-05:00"), RULES) == decision_fingerprint(
        base, RULES
    )


def test_the_load_counts_only_as_at_capacity_or_not_unless_a_strategy_ranks_by_load() -> None:
    timed = rules(TIMED)
    base = snapshot("us-order-moves-to-newark")
    time = "2026-11-27T09:00:00-05:00"
    assert decision_fingerprint(_at(base, time, 3), timed) == decision_fingerprint(_at(base, time, 9), timed)
    assert decision_fingerprint(_at(base, time, 10), timed) != decision_fingerprint(_at(base, time, 9), timed)
    by_load = rules(TIMED.replace("Chicago DC]}", "Chicago DC], rank: [load]}"))
    assert decision_fingerprint(_at(base, time, 3), by_load) != decision_fingerprint(
        _at(base, time, 9), by_load
    )


@pytest.mark.parametrize(
    "change",
    [
        {"financial_status": "PAID"},
        {"total_price": 12.5},
        {"sales_channel": "pos"},
        {"customer_tags": frozenset({"vip"})},
        {"metafields": {"custom.gift_wrap": "yes"}},
    ],
    ids=lambda change: next(iter(change)),
)
def test_what_the_rules_can_read_of_the_order_changes_the_fingerprint(change: dict[str, object]) -> None:
    base = snapshot("us-order-moves-to-newark")
    changed = base.model_copy(update={"order": base.order.model_copy(update=change)})
    assert decision_fingerprint(changed, RULES) != decision_fingerprint(base, RULES)
