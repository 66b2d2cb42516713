"""Cross-store hand-offs: a location of another store is used through its stand-in in this store."""

from __future__ import annotations

from engine import Decision, Hold, ReleaseHold, Snapshot, decide
from engine.intents import HANDOFF_HOLD_HANDLE, HandOff, MoveFulfillmentOrder
from engine.model import Location, Vendor, VendorLine, VendorLineStatus

from .support import NEWARK, rules, snapshot

CA = "north-wind-ca.myshopify.com"
STAND_IN = "gid://shopify/Location/191"  # in the US store: "Toronto (north-wind-ca)"
TORONTO = "gid://shopify/Location/203"  # in the CA store
FO = "gid://shopify/FulfillmentOrder/7042"
RULESET = rules(
    f"""\
location_groups:
  north-america:
    - {{location: Newark DC}}
    - {{store: {CA}, location: Toronto DC}}
strategies:
  - {{id: toronto-first, locations: [{{store: {CA}, location: Toronto DC}}]}}
  - {{id: newark, locations: [Newark DC]}}
fallback: {{hold: {{reason: INVENTORY_OUT_OF_STOCK, note: "Short {{short_skus}}"}}}}
"""
)


def _with_toronto(stock: int = 10) -> Snapshot:
    base = snapshot("us-order-four-lines-to-los-angeles")
    inventory = {item: {**levels, STAND_IN: stock, NEWARK: 10} for item, levels in base.inventory.items()}
    fo = base.fulfillment_orders[0]
    stand_in = Location(id=STAND_IN, name="Toronto (north-wind-ca)", store=base.store)
    movable = (fo.movable_to or frozenset()) | {STAND_IN}
    toronto = Vendor(
        id=f"store:{CA}:toronto-dc",
        name="Toronto DC (north-wind-ca)",
        location_id=STAND_IN,
        kind="store",
        store=CA,
        remote_location_id=TORONTO,
        remote_name="Toronto DC",
    )
    return base.model_copy(
        update={
            "locations": (*base.locations, stand_in),
            "inventory": inventory,
            "fulfillment_orders": (fo.model_copy(update={"movable_to": movable}),),
            "vendors": (toronto,),
        }
    )


def _writes(decision: Decision) -> list[object]:
    return [i for i in decision.intents if i.kind not in ("set_metafield", "add_tags")]


def test_a_location_of_another_store_is_used_through_its_stand_in_and_handed_off() -> None:
    decision = decide(_with_toronto(), RULESET)
    [handoff] = _writes(decision)
    assert isinstance(handoff, HandOff)
    assert (handoff.stand_in_location_id, handoff.fulfilling_store, handoff.fulfilling_location_id) == (
        STAND_IN,
        CA,
        TORONTO,
    )
    assert handoff.whole and handoff.handle == HANDOFF_HOLD_HANDLE
    assert "handed off to Toronto DC (north-wind-ca)" in decision.explain()


def test_without_a_stand_in_the_other_store_is_skipped_as_before() -> None:
    decision = decide(_with_toronto().model_copy(update={"vendors": ()}), RULESET)
    assert [i.kind for i in _writes(decision)] == ["move"]
    assert "no stand-in location for it in this store" in decision.explain()


def _handed_off(status: VendorLineStatus) -> Snapshot:
    base = _with_toronto()
    fo = base.fulfillment_orders[0]
    hold = Hold(id="gid://shopify/FulfillmentHold/5", reason="OTHER", handle=HANDOFF_HOLD_HANDLE)
    held = fo.model_copy(
        update={
            "assigned_location_id": STAND_IN,
            "status": "ON_HOLD",
            "holds": (hold.model_copy(update={"held_by_us": True}),),
        }
    )
    lines = tuple(
        VendorLine(
            fulfillment_order_id=FO,
            line_id=line.id,
            sku=line.sku,
            vendor_id=f"store:{CA}:toronto-dc",
            purchase_order="hand-off #5012",
            status=status,
            detail="the coordination service failed it: no stock after all" if status == "refused" else "",
        )
        for line in fo.lines
    )
    return base.model_copy(update={"fulfillment_orders": (held,), "vendor_lines": lines})


def test_a_handed_off_order_waits_while_the_other_store_ships_it() -> None:
    decision = decide(_handed_off("awaiting"), RULESET)
    assert _writes(decision) == []
    assert decision.fulfillment_orders[0].note.startswith("Handed off to Toronto DC (north-wind-ca)")


def test_a_failed_hand_off_goes_back_through_the_chain_without_that_store() -> None:
    decision = decide(_handed_off("refused"), RULESET)
    release, move = _writes(decision)
    assert release == ReleaseHold(fulfillment_order_id=FO, handle=HANDOFF_HOLD_HANDLE)
    assert move == MoveFulfillmentOrder(
        fulfillment_order_id=FO, from_location_id=STAND_IN, to_location_id=NEWARK
    )
