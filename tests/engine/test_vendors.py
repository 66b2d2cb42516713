"""Drop-ship vendors: a strategy buys lines on a purchase order; the vendor's answer decides the rest."""

from __future__ import annotations

from engine import Decision, Hold, ReleaseHold, Snapshot, decide
from engine.intents import VENDOR_HOLD_HANDLE, MoveFulfillmentOrder, SendPurchaseOrder
from engine.model import Location, Vendor, VendorLine, VendorLineStatus

from .support import NEWARK, rules, snapshot

ACME = "gid://shopify/Location/190"
FO = "gid://shopify/FulfillmentOrder/7042"
LINE = "gid://shopify/FulfillmentOrderLineItem/7042"  # + 01…04: NW-0011…NW-0014
RULESET = rules(
    """\
strategies:
  - {id: acme-drop-ship, locations: [Acme Drop-ship]}
  - {id: one-dc, locations: [Newark DC, Chicago DC]}
  - id: any-dcs
    locations: [Newark DC, Chicago DC, Dallas DC, Reno DC]
    allocation: split
fallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: "Short {short_skus}"}}
"""
)


def _with_acme(stock: int = 10, *, dcs: int | None = None) -> Snapshot:
    """The four-line order, with Acme's drop-ship location stocking every SKU."""
    base = snapshot("us-order-four-lines-to-los-angeles")
    inventory = {item: {**levels, ACME: stock} for item, levels in base.inventory.items()}
    if dcs is not None:
        inventory = {item: {**levels, NEWARK: dcs} for item, levels in inventory.items()}
    fo = base.fulfillment_orders[0]
    movable = (fo.movable_to or frozenset()) | {ACME}
    return base.model_copy(
        update={
            "locations": (*base.locations, Location(id=ACME, name="Acme Drop-ship", store=base.store)),
            "inventory": inventory,
            "fulfillment_orders": (fo.model_copy(update={"movable_to": movable}),),
            "vendors": (Vendor(id="acme", name="Acme Supply", location_id=ACME, acceptance_minutes=240),),
            "read_at": "2026-11-27T10:00:00+00:00",
        }
    )


def _at_acme(statuses: dict[str, VendorLineStatus], details: dict[str, str] | None = None) -> Snapshot:
    """After the purchase order: the fulfillment order at Acme, under our hold, lines as given."""
    base = _with_acme(dcs=10)
    fo = base.fulfillment_orders[0]
    hold = Hold(
        id="gid://shopify/FulfillmentHold/1", reason="OTHER", handle=VENDOR_HOLD_HANDLE, held_by_us=True
    )
    moved = fo.model_copy(update={"assigned_location_id": ACME, "status": "ON_HOLD", "holds": (hold,)})
    lines = tuple(
        VendorLine(
            fulfillment_order_id=FO,
            line_id=line.id,
            sku=line.sku,
            vendor_id="acme",
            purchase_order="1042",
            status=statuses.get(line.sku or "", "accepted"),
            due_at="2026-11-27 14:00 UTC",
            detail=(details or {}).get(line.sku or "", ""),
        )
        for line in fo.lines
    )
    return base.model_copy(update={"fulfillment_orders": (moved,), "vendor_lines": lines})


def _writes(decision: Decision) -> list[object]:
    return [i for i in decision.intents if i.kind not in ("set_metafield", "add_tags")]


def test_a_strategy_that_places_lines_at_a_vendor_buys_them_on_a_purchase_order() -> None:
    decision = decide(_with_acme(), RULESET)
    [order] = _writes(decision)
    assert isinstance(order, SendPurchaseOrder)
    assert (order.vendor_id, order.to_location_id, order.whole) == ("acme", ACME, True)
    assert [(line.sku, line.quantity) for line in order.lines] == [
        ("NW-0011", 2),
        ("NW-0012", 1),
        ("NW-0013", 1),
        ("NW-0014", 3),
    ]
    assert order.acceptance_minutes == 240 and order.handle == VENDOR_HOLD_HANDLE
    assert "bought from Acme Supply" in decision.explain()
    assert "by 2026-11-27 14:00 UTC if sent now" in decision.explain()


def test_lines_awaiting_the_vendor_wait_untouched() -> None:
    decision = decide(_at_acme({"NW-0011": "awaiting", "NW-0012": "awaiting"}), RULESET)
    assert _writes(decision) == []
    assert (
        decision.fulfillment_orders[0].note
        == "Awaiting Acme Supply acceptance of PO 1042 until 2026-11-27 14:00 UTC"
    )


def test_every_line_accepted_releases_our_hold_and_the_lines_stay_with_the_vendor() -> None:
    decision = decide(_at_acme({}), RULESET)
    assert _writes(decision) == [ReleaseHold(fulfillment_order_id=FO, handle=VENDOR_HOLD_HANDLE)]
    assert decision.fulfillment_orders[0].action == "keep"
    assert decision.outcome == "routed"


def test_a_partial_acceptance_keeps_the_accepted_lines_and_reroutes_the_refused_ones() -> None:
    decision = decide(_at_acme({"NW-0012": "refused"}, {"NW-0012": "IR: discontinued"}), RULESET)
    release, move = _writes(decision)
    assert release == ReleaseHold(fulfillment_order_id=FO, handle=VENDOR_HOLD_HANDLE)
    assert isinstance(move, MoveFulfillmentOrder)
    assert (move.to_location_id, [q.id for q in move.lines]) == (NEWARK, [f"{LINE}02"])
    parts = decision.fulfillment_orders[0].parts
    assert [(p.action, len(p.lines)) for p in parts] == [("keep", 3), ("move", 1)]
    assert "Acme Supply refused 1 line(s) of PO 1042" in decision.explain()


def test_a_rejected_or_unanswered_order_goes_back_through_the_chain_without_that_vendor() -> None:
    refused: dict[str, VendorLineStatus] = {
        sku: "refused" for sku in ("NW-0011", "NW-0012", "NW-0013", "NW-0014")
    }
    decision = decide(_at_acme(refused, {sku: "no 855 by the deadline" for sku in refused}), RULESET)
    release, move = _writes(decision)
    assert isinstance(release, ReleaseHold)
    assert move == MoveFulfillmentOrder(fulfillment_order_id=FO, from_location_id=ACME, to_location_id=NEWARK)
    assert "refused by Acme Supply on PO 1042: no 855 by the deadline" in decision.explain()


def test_a_split_may_buy_some_lines_from_the_vendor_and_ship_the_rest_from_a_warehouse() -> None:
    split_rules = rules(
        """\
strategies:
  - id: dc-then-vendor
    locations: [Newark DC, Acme Drop-ship]
    allocation: split
fallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: "Short {short_skus}"}}
"""
    )
    base = _with_acme()
    # Newark has the fleece and the beanie only; Acme the rest.
    inventory = {
        item: {**levels, NEWARK: 10, ACME: 0} if item.endswith(("1011", "1013")) else {**levels, NEWARK: 0}
        for item, levels in base.inventory.items()
    }
    decision = decide(base.model_copy(update={"inventory": inventory}), split_rules)
    kinds = [i.kind for i in _writes(decision)]
    assert kinds == ["move", "purchase_order"]
    order = next(i for i in decision.intents if isinstance(i, SendPurchaseOrder))
    assert not order.whole
    assert sorted(line.sku or "" for line in order.lines) == ["NW-0012", "NW-0014"]
