"""decide(): which fulfillment orders are routed at all, and which locations may take one."""

from __future__ import annotations

import pytest

from engine import Decision, Snapshot, decide

from .support import CHICAGO, NEWARK, ROOT, default_rules, rules, snapshot, with_fo

RULES = default_rules()


def _trace(decision: Decision) -> list[str]:
    return [str(entry) for entry in decision.trace]


def _default_text() -> str:
    return (ROOT / "rules" / "routing.yaml").read_text()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"request_status": "SUBMITTED"}, "[skip] FO 7002 fulfillment request SUBMITTED"),
        ({"status": "CLOSED"}, "[skip] FO 7002 status CLOSED: nothing to route"),
        ({"status": "IN_PROGRESS"}, "[skip] FO 7002 status IN_PROGRESS"),
        ({"delivery_method": "LOCAL"}, "[skip] FO 7002 delivery method LOCAL: only shipping is routed"),
    ],
)
def test_skips_fulfillment_orders_that_cannot_be_routed(change: dict[str, str], why: str) -> None:
    decision = decide(with_fo(snapshot("us-order-moves-to-newark"), **change), RULES)
    assert decision.outcome == "skipped" and decision.intents == ()
    assert _trace(decision)[0].startswith(why)


def test_routes_a_fulfillment_order_without_delivery_method() -> None:
    unspecified = with_fo(snapshot("us-order-moves-to-newark"), delivery_method=None)
    assert decide(unspecified, RULES).outcome == "routed"


def _with_location(name: str, **change: object) -> Snapshot:
    base = snapshot("us-order-moves-to-newark")
    locations = tuple(loc.model_copy(update=change) if loc.name == name else loc for loc in base.locations)
    return base.model_copy(update={"locations": locations})


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"is_active": False}, "inactive"),
        ({"fulfills_online_orders": False}, "does not fulfil online orders"),
    ],
)
def test_skips_candidates_that_cannot_ship(change: dict[str, bool], why: str) -> None:
    decision = decide(_with_location("Newark DC", **change), RULES)
    assert f"[candidate] Newark DC excluded: {why}" in _trace(decision)
    assert decision.fulfillment_orders[0].to_location_id == CHICAGO


def test_only_moves_where_shopify_says_the_fulfillment_order_can_move() -> None:
    movable = with_fo(snapshot("us-order-moves-to-newark"), movable_to=frozenset({CHICAGO}))
    decision = decide(movable, RULES)
    assert decision.fulfillment_orders[0].to_location_id == CHICAGO
    assert any(
        line.startswith("[candidate] Newark DC excluded: Shopify does not list") for line in _trace(decision)
    )


def test_an_unknown_location_name_is_traced_not_fatal() -> None:
    text = _default_text().replace("[Newark DC,", "[Hoboken DC, Newark DC,")
    decision = decide(snapshot("us-order-moves-to-newark"), rules(text))
    assert (
        "[candidate] Hoboken DC not found: no such location in north-wind-us.myshopify.com; ignored"
        in _trace(decision)
    )
    assert decision.fulfillment_orders[0].to_location_id == NEWARK


def test_locations_of_another_store_are_never_candidates() -> None:
    text = _default_text().replace("[Newark DC,", "[Toronto DC, Newark DC,")
    decision = decide(snapshot("us-order-moves-to-newark"), rules(text))
    assert (
        "[candidate] Toronto DC not found: no such location in north-wind-us.myshopify.com; ignored"
        in _trace(decision)
    )
