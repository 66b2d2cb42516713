"""Holds that wait for an event: placed while their condition holds, kept, released, routed."""

from __future__ import annotations

import pytest

from engine import (
    Hold,
    HoldFulfillmentOrder,
    ReleaseHold,
    RuleSetError,
    Snapshot,
    decide,
    parse_ruleset,
)

from .support import NEWARK, apply, snapshot, trace, with_fo, with_order

RULES = """\
holds:
  - id: await-payment
    when: {financial_status: {not_in: [PAID]}}
    reason: AWAITING_PAYMENT
    note: "{order} waits for payment ({financial_status}, {total_price} {currency})"
    release_on: [orders/paid, order_transactions/create]
    tags: [awaiting-payment]
  - id: vip-check
    when: {order_tags: [vip-check]}
    reason: OTHER
    release_on: [orders/updated]
strategies:
  - {id: dcs, locations: [Newark DC, Chicago DC]}
fallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: "Short {short_skus}"}}
"""
RULESET = parse_ruleset({"rules/test.yaml": RULES})


def _unpaid(status: str | None = "PENDING") -> Snapshot:
    return with_order(
        snapshot("us-order-moves-to-newark"), financial_status=status, total_price=80.5, currency="USD"
    )


def test_an_unpaid_order_is_held_with_our_handle_and_not_routed() -> None:
    decision = decide(_unpaid(), RULESET)
    assert decision.outcome == "held"
    assert decision.intents[0] == HoldFulfillmentOrder(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/7002",
        reason="AWAITING_PAYMENT",
        notes="#1002 waits for payment (PENDING, 80.50 USD)",
        handle="routing-engine.await-payment",
    )
    assert [i.kind for i in decision.intents] == ["hold", "set_metafield", "add_tags"]
    assert decision.intents[-1].tags == ("routing-engine:held", "awaiting-payment")  # type: ignore[union-attr]
    assert not any(line.startswith("[strategy]") for line in trace(decision))


def test_held_again_while_unpaid_the_decision_is_unchanged() -> None:
    first = decide(_unpaid(), RULESET)
    again = decide(apply(_unpaid(), first), RULESET)
    assert again.outcome == "unchanged" and again.intents == ()
    assert "[hold] FO 7002 stays held (await-payment): financial_status not in [PAID] still holds" in trace(
        again
    )


def test_once_paid_the_hold_is_released_and_the_order_routed_in_the_same_decision() -> None:
    held = apply(_unpaid(), decide(_unpaid(), RULESET))
    paid = with_order(held, financial_status="PAID")
    decision = decide(paid, RULESET)
    assert decision.intents[0] == ReleaseHold(
        fulfillment_order_id="gid://shopify/FulfillmentOrder/7002", handle="routing-engine.await-payment"
    )
    assert [i.kind for i in decision.intents] == ["release_hold", "move", "set_metafield", "add_tags"]
    assert decision.fulfillment_orders[0].to_location_id == NEWARK
    assert decide(apply(paid, decision), RULESET).outcome == "unchanged"


def test_released_from_one_hold_an_order_may_be_held_by_the_next() -> None:
    held = apply(_unpaid(), decide(_unpaid(), RULESET))
    paid = with_order(held, financial_status="PAID", tags=frozenset({"vip-check"}))
    kinds = [i.kind for i in decide(paid, RULESET).intents]
    assert kinds[:2] == ["release_hold", "hold"]


def test_the_first_hold_in_file_order_applies() -> None:
    both = with_order(_unpaid(), tags=frozenset({"vip-check"}))
    assert decide(both, RULESET).fulfillment_orders[0].strategy == "await-payment"


def test_a_hold_from_the_merchant_or_another_app_is_never_touched() -> None:
    other = Hold(id="gid://shopify/FulfillmentHold/1", reason="OTHER", held_by_us=False)
    decision = decide(with_fo(_unpaid(), status="ON_HOLD", holds=(other,)), RULESET)
    assert decision.outcome == "skipped" and decision.intents == ()


def test_our_hold_under_a_handle_the_rules_no_longer_place_is_left_alone() -> None:
    gone = Hold(
        id="gid://shopify/FulfillmentHold/1",
        reason="OTHER",
        handle="routing-engine.old-rule",
        held_by_us=True,
    )
    decision = decide(with_fo(_unpaid("PAID"), status="ON_HOLD", holds=(gone,)), RULESET)
    assert decision.outcome == "skipped"
    assert "on hold under handles the rules do not place (routing-engine.old-rule)" in decision.explain()


def test_holds_apply_to_pick_up_orders_though_only_shipping_is_routed() -> None:
    pickup = with_fo(_unpaid(), delivery_method="PICK_UP")
    assert decide(pickup, RULESET).fulfillment_orders[0].action == "hold"
    paid = with_fo(_unpaid("PAID"), delivery_method="PICK_UP")
    assert decide(paid, RULESET).outcome == "skipped"


def test_no_hold_where_shopify_offers_none() -> None:
    decision = decide(with_fo(_unpaid(), supported_actions=frozenset({"MOVE"})), RULESET)
    assert decision.outcome == "skipped"
    assert "hold await-payment applies but Shopify does not allow a hold here" in decision.explain()


def test_the_rule_set_names_the_webhooks_that_decide_again() -> None:
    assert RULESET.release_topics() == {"orders/paid", "order_transactions/create", "orders/updated"}
    assert parse_ruleset({"rules/t.yaml": "fallback: {keep: true}\n"}).release_topics() == frozenset()


def test_notes_are_cut_to_what_shopify_shows() -> None:
    long = RULES.replace('note: "{order} waits', 'note: "' + "x" * 300 + " {order} waits")
    hold = decide(_unpaid(), parse_ruleset({"rules/test.yaml": long})).intents[0]
    assert isinstance(hold, HoldFulfillmentOrder) and len(hold.notes) == 255 and hold.notes.endswith("…")


def _hold(body: str) -> str:
    return f"holds:\n  - {body}\nfallback: {{keep: true}}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_hold("{id: h, reason: OTHER}"), ["hold h", "a hold needs `when:`"]),
        (_hold("{id: h, when: {order_tags: [x]}}"), ["a hold needs `reason:`", "AWAITING_PAYMENT"]),
        (
            _hold("{id: h, when: {order_tags: [x]}, reason: LATER}"),
            ["`LATER` is not a FulfillmentHoldReason"],
        ),
        (
            _hold("{id: inventory-out-of-stock, when: {order_tags: [x]}, reason: OTHER}"),
            ["is the handle of fallback holds"],
        ),
        (
            _hold("{id: h, when: {order_tags: [x]}, reason: OTHER, release_on: [orders/payed]}"),
            ["`orders/payed` is not a topic that re-decides an order", "did you mean `orders/paid`?"],
        ),
        (
            _hold("{id: h, when: {order_tags: [x]}, reason: OTHER, note: 'short {short_skus}'}"),
            ["unknown placeholder {short_skus}", "{financial_status}"],
        ),
        (_hold("{id: h, when: {order_tags: [x]}, reason: OTHER, until: paid}"), ["unknown key `until`"]),
        (
            "holds:\n  - {id: a, when: {order_tags: [x]}, reason: OTHER}\n"
            "strategies:\n  - {id: a, locations: [X]}\nfallback: {keep: true}\n",
            ["strategy a", "id already used at rules/test.yaml:2:5", "each strategy and hold its own id"],
        ),
    ],
)
def test_hold_mistakes_are_reported(text: str, expected: list[str]) -> None:
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset({"rules/test.yaml": text})
    for part in expected:
        assert part in str(caught.value)
