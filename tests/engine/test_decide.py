"""decide(): the default rules on the scenario snapshots, read as a specification."""

from __future__ import annotations

import json

import pytest

from engine import (
    TAG_HELD,
    TAG_ROUTED,
    AddOrderTags,
    Decision,
    HoldFulfillmentOrder,
    MoveFulfillmentOrder,
    SetOrderMetafield,
    decide,
    hold_handle,
)

from .support import (
    BROOKLYN,
    CHICAGO,
    DALLAS,
    MONTREAL,
    NEWARK,
    ROOT,
    apply,
    default_rules,
    fixture_names,
    rules,
    snapshot,
    with_fo,
    with_stock,
)

RULES = default_rules()


def _decide(name: str) -> Decision:
    return decide(snapshot(name), RULES)


def _kinds(decision: Decision) -> list[str]:
    return [intent.kind for intent in decision.intents]


def _trace(decision: Decision) -> list[str]:
    return [str(entry) for entry in decision.trace]


def _summary(decision: Decision) -> dict[str, object]:
    value = next(i.value for i in decision.intents if isinstance(i, SetOrderMetafield))
    loaded: dict[str, object] = json.loads(value)
    return loaded


# fixture -> outcome, intent kinds, {FO id tail: (action, to location)}
EXPECTED = {
    "us-order-already-in-place": ("routed", ["set_metafield", "add_tags"], {"7001": ("keep", NEWARK)}),
    "us-order-moves-to-newark": ("routed", ["move", "set_metafield", "add_tags"], {"7002": ("move", NEWARK)}),
    "us-order-moves-to-chicago": (
        "routed",
        ["move", "set_metafield", "add_tags"],
        {"7003": ("move", CHICAGO)},
    ),
    "us-order-out-of-stock": ("held", ["hold", "set_metafield", "add_tags"], {"7004": ("hold", None)}),
    "order-held-by-merchant": ("skipped", [], {"7005": ("skip", None)}),
    "two-fulfillment-orders-ship-together": (
        "routed",
        ["move", "move", "set_metafield", "add_tags"],
        {"7006": ("move", NEWARK), "7007": ("move", NEWARK)},
    ),
    "two-fulfillment-orders-no-single-location": (
        "held",
        ["hold", "hold", "set_metafield", "add_tags"],
        {"7006": ("hold", None), "7007": ("hold", None)},
    ),
    "ca-order-moves-to-montreal": (
        "routed",
        ["move", "set_metafield", "add_tags"],
        {"8001": ("move", MONTREAL)},
    ),
    "us-order-pickup-in-store": ("skipped", [], {"7008": ("skip", None)}),
    "us-order-already-held-by-us": ("held", ["set_metafield"], {"7009": ("hold", None)}),
    "us-order-four-lines-to-los-angeles": (
        "routed",
        ["set_metafield", "add_tags"],
        {"7042": ("keep", BROOKLYN)},
    ),
    # The default rules name no vendor location: Acme's stock is not used, Brooklyn keeps it.
    "us-order-acme-drop-ships": (
        "routed",
        ["set_metafield", "add_tags"],
        {"7042": ("keep", BROOKLYN)},
    ),
    "us-order-mixed-closed-and-open": (
        "routed",
        ["move", "set_metafield", "add_tags"],
        {"7010": ("skip", None), "7011": ("move", DALLAS)},
    ),
}


def test_every_fixture_snapshot_has_an_expected_decision() -> None:
    assert sorted(EXPECTED) == fixture_names()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_decides_each_scenario_as_expected(name: str) -> None:
    outcome, kinds, per_fo = EXPECTED[name]
    decision = _decide(name)
    assert decision.outcome == outcome
    assert _kinds(decision) == kinds
    actual = {
        o.fulfillment_order_id.rsplit("/", 1)[-1]: (o.action, o.to_location_id)
        for o in decision.fulfillment_orders
    }
    assert actual == per_fo
    assert decision.ruleset_version == RULES.version


def test_ships_complete_from_first_preferred_location_with_stock() -> None:
    decision = _decide("us-order-moves-to-chicago")
    assert decision.intents[0] == MoveFulfillmentOrder(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/7003",
        from_location_id=BROOKLYN,
        to_location_id=CHICAGO,
    )
    assert _trace(decision)[:4] == [
        "[strategy] strategy us-ship-complete conditions hold for FO 7003",
        "[candidate] Newark DC short: NW-0004 (need 2, have 0)",
        "[candidate] Chicago DC ships complete: FO 7003",
        "[choice] FO 7003 moves from Brooklyn Store to Chicago DC: strategy us-ship-complete",
    ]


def test_keeps_an_order_already_at_the_first_location_that_ships_complete() -> None:
    decision = _decide("us-order-already-in-place")
    assert not any(isinstance(i, MoveFulfillmentOrder) for i in decision.intents)
    assert "[choice] FO 7001 stays at Newark DC: strategy us-ship-complete" in _trace(decision)
    assert decision.intents[-1] == AddOrderTags(order_id="gid://shopify/Order/5001", tags=(TAG_ROUTED,))


def test_holds_when_no_location_ships_complete_naming_short_skus_at_the_best_candidate() -> None:
    decision = _decide("us-order-out-of-stock")
    note = "No location can ship #1004 complete. Short: NW-0007 (need 3, have 1) at Newark DC"
    assert decision.intents[0] == HoldFulfillmentOrder(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/7004",
        reason="INVENTORY_OUT_OF_STOCK",
        notes=note,
        handle=hold_handle("INVENTORY_OUT_OF_STOCK"),
    )
    assert decision.intents[-1] == AddOrderTags(order_id="gid://shopify/Order/5004", tags=(TAG_HELD,))
    current = "[candidate] Brooklyn Store (current location) short: NW-0007 (need 3, have 0), NW-0008"
    assert any(line.startswith(current) for line in _trace(decision))


def test_counts_the_fulfillment_orders_own_committed_units_at_its_current_location() -> None:
    # Shopify's `available` already excludes units committed to this order where it sits.
    decision = _decide("us-order-mixed-closed-and-open")
    assert "[candidate] Dallas DC ships complete: FO 7011" in _trace(decision)
    # Out of stock at Brooklyn shows as -3/-1 (committed beyond stock); 0 means exactly enough.
    stocked = with_stock(snapshot("us-order-out-of-stock"), "gid://shopify/InventoryItem/1007", {BROOKLYN: 0})
    stocked = with_stock(stocked, "gid://shopify/InventoryItem/1008", {BROOKLYN: 0})
    assert decide(stocked, RULES).fulfillment_orders[0].action == "keep"


def test_ship_complete_sends_every_fulfillment_order_of_the_order_to_one_location() -> None:
    decision = _decide("two-fulfillment-orders-ship-together")
    trace = _trace(decision)
    assert "[candidate] Newark DC ships complete: FO 7006, FO 7007" in trace
    assert {i.to_location_id for i in decision.intents if isinstance(i, MoveFulfillmentOrder)} == {NEWARK}


def test_ship_complete_holds_an_order_no_single_location_can_ship() -> None:
    # Newark has 3 of the 4 NW-0010 the two fulfillment orders need together.
    decision = _decide("two-fulfillment-orders-no-single-location")
    assert "[candidate] Newark DC short: NW-0010 (need 4, have 3)" in _trace(decision)
    holds = [i for i in decision.intents if isinstance(i, HoldFulfillmentOrder)]
    assert len(holds) == 2 and all("NW-0010 (need 4, have 3) at Newark DC" in h.notes for h in holds)


def test_never_touches_a_fulfillment_order_held_by_the_merchant_or_another_app() -> None:
    decision = _decide("order-held-by-merchant")
    assert decision.intents == ()
    assert _trace(decision)[0] == (
        "[skip] FO 7005 held by the merchant or another app (reason HIGH_RISK_OF_FRAUD): not touched"
    )


def test_our_own_hold_with_the_same_handle_counts_as_already_decided() -> None:
    decision = _decide("us-order-already-held-by-us")
    assert not any(isinstance(i, HoldFulfillmentOrder) for i in decision.intents)
    assert _kinds(decision) == ["set_metafield"]  # the held tag is already on the order


def test_the_decision_metafield_summarises_every_decided_fulfillment_order() -> None:
    summary = _summary(_decide("us-order-mixed-closed-and-open"))
    assert summary == {
        "version": 1,
        "ruleset": RULES.version,
        "outcome": "routed",
        "fulfillment_orders": [
            {
                "id": "gid://shopify/FulfillmentOrder/7011",
                "action": "move",
                "strategy": "us-ship-complete",
                "from": BROOKLYN,
                "to": DALLAS,
                "hold_reason": None,
                "note": "",
                "why": "us-ship-complete: Dallas DC ships complete",
            }
        ],
    }
    intent = next(i for i in _decide("us-order-moves-to-newark").intents if isinstance(i, SetOrderMetafield))
    assert (intent.namespace, intent.key, intent.type) == ("routing_engine", "decision", "json")
    assert intent.value == json.dumps(json.loads(intent.value), sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_deciding_again_after_our_writes_changes_nothing(name: str) -> None:
    before = snapshot(name)
    first = decide(before, RULES)
    second = decide(apply(before, first), RULES)
    if first.outcome == "skipped":
        assert second.outcome == "skipped"
    else:
        assert second.outcome == "unchanged", second.explain()
    assert second.intents == ()


def test_rewrites_the_metafield_when_the_rules_changed() -> None:
    before = snapshot("us-order-already-in-place")
    after = apply(before, decide(before, RULES))
    other = rules(_default_text().replace("Dallas DC, Reno DC", "Reno DC, Dallas DC"))
    decision = decide(after, other)
    assert decision.outcome == "routed"
    assert _kinds(decision) == ["set_metafield"]  # the routed tag is already there
    assert _summary(decision)["ruleset"] == other.version


def _default_text() -> str:
    return (ROOT / "rules" / "routing.yaml").read_text()


TAGGED = """\
strategies:
  - id: vip-from-reno
    when:
      order_tags: {any_of: [vip]}
      not: {destination_country: [CA]}
    locations: [Reno DC]
  - id: everyone-from-newark
    locations: [Newark DC]
fallback: {keep: true}
"""


@pytest.mark.parametrize(
    ("tags", "strategy"),
    [
        (frozenset({"VIP"}), "vip-from-reno"),
        (frozenset({"vip", "other"}), "vip-from-reno"),
        (frozenset(), "everyone-from-newark"),
        (frozenset({"wholesale"}), "everyone-from-newark"),
    ],
)
def test_strategies_apply_by_their_conditions_in_file_order(tags: frozenset[str], strategy: str) -> None:
    base = snapshot("us-order-moves-to-newark")
    inventory = {
        item: {**levels, "gid://shopify/Location/104": 50} for item, levels in base.inventory.items()
    }
    tagged = base.model_copy(
        update={"order": base.order.model_copy(update={"tags": tags}), "inventory": inventory}
    )
    decision = decide(tagged, rules(TAGGED))
    assert decision.fulfillment_orders[0].strategy == strategy


def test_a_strategy_without_stock_falls_through_to_the_next_one() -> None:
    base = snapshot("us-order-moves-to-newark")
    vip = base.model_copy(update={"order": base.order.model_copy(update={"tags": frozenset({"vip"})})})
    decision = decide(vip, rules(TAGGED))
    assert decision.fulfillment_orders[0].strategy == "everyone-from-newark"
    trace = _trace(decision)
    assert "[strategy] strategy vip-from-reno conditions hold for FO 7002" in trace
    assert "[candidate] Reno DC short: NW-0003 (need 1, have 0), NW-0005 (need 2, have 0)" in trace


def test_fallback_keep_leaves_shopifys_assignment() -> None:
    text = _default_text().replace(
        "fallback:\n  hold:\n    reason: INVENTORY_OUT_OF_STOCK\n"
        '    note: "No location can ship {order} complete. Short: {short_skus}"\n',
        "fallback: {keep: true}\n",
    )
    decision = decide(snapshot("us-order-out-of-stock"), rules(text))
    assert decision.outcome == "routed"
    assert decision.fulfillment_orders[0].action == "keep"
    assert _kinds(decision) == ["set_metafield"]  # not routed by a rule: no tag
    assert (
        "[fallback] FO 7004 kept at Brooklyn Store: no strategy yields a plan; Shopify's assignment stays"
        in _trace(decision)
    )


@pytest.mark.parametrize("name", fixture_names())
def test_decisions_are_deterministic(name: str) -> None:
    first = decide(snapshot(name), RULES)
    assert decide(snapshot(name), RULES) == first
    assert decide(snapshot(name), default_rules()).model_dump_json() == first.model_dump_json()


@pytest.mark.parametrize("name", fixture_names())
def test_decisions_round_trip_through_json(name: str) -> None:
    decision = decide(snapshot(name), RULES)
    assert Decision.model_validate_json(decision.model_dump_json()) == decision


def test_intents_come_moves_and_holds_first_then_metafield_then_tags() -> None:
    order = {"move": 0, "hold": 0, "set_metafield": 1, "add_tags": 2}
    for name in fixture_names():
        kinds = _kinds(decide(snapshot(name), RULES))
        assert kinds == sorted(kinds, key=order.__getitem__), name


def test_does_not_hold_what_shopify_says_cannot_be_held() -> None:
    base = snapshot("us-order-out-of-stock")
    decision = decide(with_fo(base, supported_actions=frozenset({"MOVE"})), RULES)
    assert decision.outcome == "skipped" and decision.intents == ()
    assert "Shopify does not allow a hold here" in decision.explain()


def test_a_fulfillment_order_that_cannot_move_may_still_stay_where_it_ships_complete() -> None:
    base = snapshot("us-order-moves-to-newark")
    decision = decide(with_fo(base, supported_actions=frozenset({"HOLD"})), RULES)
    assert decision.fulfillment_orders[0].action == "keep"
    assert "[candidate] Newark DC excluded: FO 7002 cannot be moved" in decision.explain()


def test_strategies_sharing_locations_each_apply_their_own_exclusions() -> None:
    # Per-decision memos (candidates, checks) must not carry one strategy's exclusions to another.
    text = """\
locations:
  - {location: Newark DC, cutoff: '15:00'}
strategies:
  - {id: before-cutoff, locations: [Newark DC], rank: [priority]}
  - {id: any-time, locations: [Newark DC], rank: [priority], ignore: [cutoff]}
fallback: {keep: true}
"""
    late = snapshot("us-order-moves-to-newark").model_copy(update={"local_time": "2026-11-27T16:00:00-05:00"})
    decision = decide(late, rules(text))
    assert decision.fulfillment_orders[0].strategy == "any-time"
    assert "[candidate] Newark DC excluded: after the 15:00 cut-off" in _trace(decision)


def test_strategies_for_other_stores_are_summed_up_in_one_line() -> None:
    decision = _decide("us-order-out-of-stock")
    assert (
        "[strategy] 1 strategy for other stores does not apply: ca-ship-complete "
        "(store is north-wind-us.myshopify.com)" in _trace(decision)
    )


def test_the_metafield_records_why_in_a_few_words() -> None:
    entry = _summary(_decide("us-order-out-of-stock"))["fulfillment_orders"][0]  # type: ignore[index]
    assert entry["why"].startswith("us-ship-complete: Newark DC short of NW-0007")
    assert len(entry["why"]) <= 200
