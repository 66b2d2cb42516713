"""Allocation and splitting: plans, their limits, the intents they become, and deciding again.

The order: FO 7042 at Brooklyn Store, to Los Angeles; lines NW-0011 ×2 (24.50), NW-0012 ×1
(189.00), NW-0013 ×1 (12.00), NW-0014 ×3 (8.50). No DC has all four.
"""

from __future__ import annotations

import pytest

from engine import (
    Decision,
    HoldFulfillmentOrder,
    LineQuantity,
    MoveFulfillmentOrder,
    RuleSetError,
    Snapshot,
    decide,
    parse_ruleset,
)

from .support import NEWARK, apply, snapshot, trace

ORDER = "us-order-four-lines-to-los-angeles"
DCS = "[Newark DC, Chicago DC, Dallas DC, Reno DC]"
LINE = "gid://shopify/FulfillmentOrderLineItem/7042"


def _split(options: str, fallback: str = "{keep: true}", base: Snapshot | None = None) -> Decision:
    text = f"strategies:\n  - id: s\n    locations: {DCS}\n    allocation: split\n{options}"
    text += f"fallback: {fallback}\n"
    return decide(base or snapshot(ORDER), parse_ruleset({"rules/test.yaml": text}))


def _parts(decision: Decision, base: Snapshot | None = None) -> list[tuple[str, str, list[str]]]:
    order = base or snapshot(ORDER)
    skus = {line.id: line.sku or "" for _, line in order.lines()}
    (outcome,) = decision.fulfillment_orders
    return [
        (
            part.action,
            order.location(part.location_id or "").name if part.location_id else "",  # type: ignore[union-attr]
            [skus[line.id] for line in part.lines],
        )
        for part in outcome.parts
    ]


@pytest.mark.parametrize(
    ("options", "parts"),
    [
        pytest.param(
            "",
            [("move", "Newark DC", ["NW-0011", "NW-0013", "NW-0014"]), ("move", "Chicago DC", ["NW-0012"])],
            id="fewer-shipments",
        ),
        pytest.param(
            "    rank: [distance]\n    prefer: nearer\n",
            [
                ("move", "Reno DC", ["NW-0011", "NW-0012"]),
                ("move", "Dallas DC", ["NW-0013"]),
                ("move", "Chicago DC", ["NW-0014"]),
            ],
            id="nearer",
        ),
        pytest.param(
            "    keep_together: [vendor]\n",
            [("move", "Newark DC", ["NW-0011", "NW-0013"]), ("move", "Chicago DC", ["NW-0012", "NW-0014"])],
            id="keep-together-by-vendor",
        ),
        pytest.param(
            "    keep_together: [{sku: [NW-0012, NW-0013]}]\n",
            [("move", "Newark DC", ["NW-0011", "NW-0014"]), ("move", "Dallas DC", ["NW-0012", "NW-0013"])],
            id="keep-together-by-condition",
        ),
        pytest.param(
            "    keep_together: [fulfillment_order]\n",
            [],  # the whole fulfillment order together: no DC has it all, so no plan
            id="keep-together-by-fulfillment-order",
        ),
    ],
)
def test_split_plans(options: str, parts: list[tuple[str, str, list[str]]]) -> None:
    decision = _split(options)
    if parts:
        assert decision.fulfillment_orders[0].action == "split"
        assert sorted(_parts(decision)) == sorted(parts)
    else:
        assert decision.fulfillment_orders[0].action == "keep"  # the fallback


def test_one_location_that_has_everything_is_a_whole_move_not_a_split() -> None:
    base = snapshot(ORDER)
    inventory = {**base.inventory, "gid://shopify/InventoryItem/1012": {NEWARK: 5}}
    decision = _split("", base=base.model_copy(update={"inventory": inventory}))
    assert decision.fulfillment_orders[0].action == "move"
    assert decision.intents[0] == MoveFulfillmentOrder(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/7042",
        from_location_id="gid://shopify/Location/105",
        to_location_id=NEWARK,
    )


def test_partial_moves_name_their_lines_and_quantities() -> None:
    moves = [i for i in _split("").intents if isinstance(i, MoveFulfillmentOrder)]
    assert [(m.to_location_id.rsplit("/", 1)[-1], m.lines) for m in moves] == [
        (
            "101",
            (
                LineQuantity(id=f"{LINE}01", quantity=2),
                LineQuantity(id=f"{LINE}03", quantity=1),
                LineQuantity(id=f"{LINE}04", quantity=3),
            ),
        ),
        ("102", (LineQuantity(id=f"{LINE}02", quantity=1),)),
    ]


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ("    max_shipments: 1\n", "NW-0012: it would need more than 1 shipment"),
        ("    min_shipment_lines: 2\n", "shipment from Chicago DC dropped: 1 line < minimum 2"),
        ("    min_shipment_value: 200\n", "shipment from Chicago DC dropped: value 189.00 < minimum 200.00"),
    ],
)
def test_limits_that_leave_a_line_unplaced_make_the_plan_unacceptable(options: str, why: str) -> None:
    decision = _split(options)
    assert decision.fulfillment_orders[0].action == "keep"
    assert why in decision.explain()
    assert "[strategy] strategy s yields no acceptable plan" in decision.explain()


def test_a_small_shipment_is_folded_into_another_when_stock_allows() -> None:
    base = _with_levels(snapshot(ORDER), "1013", {"gid://shopify/Location/102": 1})
    decision = _split("    min_shipment_lines: 2\n    prefer: nearer\n    rank: [distance]\n", base=base)
    # Nearest first: Reno NW-0011 + NW-0012, Dallas NW-0013 alone, Chicago NW-0014 alone.
    assert "lines folded into" in decision.explain()
    assert all(len(lines) >= 2 for _, _, lines in _parts(decision, base))


def test_partial_places_what_it_can_and_holds_the_rest_when_the_fallback_holds() -> None:
    fallback = "{hold: {reason: INVENTORY_OUT_OF_STOCK, note: 'Short {short_skus}'}}"
    decision = _split("    max_shipments: 1\n    partial: true\n", fallback)
    (outcome,) = decision.fulfillment_orders
    assert (outcome.action, outcome.hold_reason) == ("split", "INVENTORY_OUT_OF_STOCK")
    assert [kind for kind in (i.kind for i in decision.intents)] == [
        "move",
        "hold",
        "set_metafield",
        "add_tags",
    ]
    hold = next(i for i in decision.intents if isinstance(i, HoldFulfillmentOrder))
    assert hold.lines == ()  # after the move the original holds only the rest: hold it whole
    assert decision.outcome == "held"


def test_a_hold_on_the_rest_names_its_lines_when_other_lines_stay() -> None:
    brooklyn = "gid://shopify/Location/105"
    # NW-0011 is gone from the store, NW-0012 is nowhere; NW-0013 and NW-0014 stay.
    base = _with_levels(
        _with_levels(snapshot(ORDER), "1011", {brooklyn: -2}), "1012", {brooklyn: -1, NEWARK: 0}
    )
    text = (
        "strategies:\n  - id: s\n    locations: [Brooklyn Store, Newark DC]\n    allocation: split\n"
        "    prefer: nearer\n    partial: true\nfallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: x}}\n"
    )
    decision = decide(base, parse_ruleset({"rules/t.yaml": text}))
    hold = next(i for i in decision.intents if isinstance(i, HoldFulfillmentOrder))
    assert hold.lines == (LineQuantity(id=f"{LINE}02", quantity=1),)
    assert sorted(_parts(decision)) == [
        ("hold", "Brooklyn Store", ["NW-0012"]),
        ("keep", "Brooklyn Store", ["NW-0013", "NW-0014"]),
        ("move", "Newark DC", ["NW-0011"]),
    ]


def _with_levels(base: Snapshot, item: str, levels: dict[str, int]) -> Snapshot:
    key = f"gid://shopify/InventoryItem/{item}"
    return base.model_copy(
        update={"inventory": {**base.inventory, key: {**base.inventory.get(key, {}), **levels}}}
    )


def test_deciding_again_after_a_split_moves_nothing_more() -> None:
    text = f"strategies:\n  - {{id: s, locations: {DCS}, allocation: split}}\nfallback: {{keep: true}}\n"
    ruleset = parse_ruleset({"rules/t.yaml": text})
    before = snapshot(ORDER)
    first = decide(before, ruleset)
    after = apply(before, first)
    assert len(after.fulfillment_orders) == 3  # the original, emptied, and two carved out
    second = decide(after, ruleset)
    assert [i.kind for i in second.intents if i.kind in ("move", "hold")] == [], second.explain()
    assert decide(apply(after, second), ruleset).outcome == "unchanged"


def test_fulfillment_orders_of_one_order_are_planned_together() -> None:
    base = snapshot("two-fulfillment-orders-no-single-location")
    text = (
        "strategies:\n  - {id: s, locations: [Newark DC, Chicago DC, Dallas DC], allocation: split,"
        " max_shipments: 2}\nfallback: {keep: true}\n"
    )
    decision = decide(base, parse_ruleset({"rules/t.yaml": text}))
    actions = {o.fulfillment_order_id.rsplit("/", 1)[-1]: o.action for o in decision.fulfillment_orders}
    assert actions == {"7006": "move", "7007": "split"}
    assert "plans 2 shipment(s)" in decision.explain()


def test_a_strategy_after_a_partial_one_counts_its_shipments_toward_the_maximum() -> None:
    text = (
        "strategies:\n"
        "  - {id: first, locations: [Newark DC], allocation: split, partial: true}\n"
        "  - {id: second, locations: [Chicago DC, Dallas DC], allocation: split, max_shipments: 1}\n"
        "fallback: {keep: true}\n"
    )
    decision = decide(snapshot(ORDER), parse_ruleset({"rules/t.yaml": text}))
    # Newark took three lines: one shipment already, so `second` may not open another.
    assert "NW-0012: it would need more than 1 shipment" in decision.explain()
    assert [p[0] for p in _parts(decision)] == ["move", "keep"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("    max_shipments: 2\n", "`max_shipments` applies only to `allocation: split`"),
        ("    allocation: split\n    prefer: closest\n", "unknown preference `closest`"),
        ("    allocation: split\n    keep_together: [colour]\n", "unknown keep-together group `colour`"),
        ("    allocation: split\n    max_shipments: 0\n", "at least 1"),
        ("    allocation: split\n    partial: maybe\n", "`partial` must be `true` or `false`"),
    ],
)
def test_split_option_mistakes_are_reported(options: str, message: str) -> None:
    text = f"strategies:\n  - id: s\n    locations: [A]\n{options}fallback: {{keep: true}}\n"
    with pytest.raises(RuleSetError, match=message):
        parse_ruleset({"rules/test.yaml": text})


def test_the_trace_says_what_was_split_and_why() -> None:
    lines = trace(_split("    max_shipments: 2\n"))
    assert (
        "[split] strategy s plans 2 shipment(s): Newark DC: NW-0011, NW-0013, NW-0014; Chicago DC: NW-0012"
        in lines
    )
    assert (
        "[choice] FO 7042 splits: NW-0011, NW-0013, NW-0014 move to Newark DC; NW-0012 move to Chicago DC"
        in lines
    )
