"""From placements to what Shopify is asked to do: moves, holds, the metafield and tags.

Per fulfillment order: every line at its current location → keep; every line at one other
location → a whole move; lines at several places → partial moves (`MoveFulfillmentOrder.lines`;
Shopify carves the moved lines out into a new fulfillment order and the original keeps its id
and the rest), then the fallback for lines no strategy placed (a hold on the rest, or keep).
A fulfillment order no strategy placed at all gets the fallback.
"""

from __future__ import annotations

from typing import Literal

from engine.allocation import Unit, best_candidate
from engine.decision import FulfillmentOrderOutcome, Outcome, ShipmentPart
from engine.holds import render_note, skip
from engine.intents import (
    DECISION_METAFIELD_KEY,
    DECISION_METAFIELD_NAMESPACE,
    AddOrderTags,
    HoldFulfillmentOrder,
    Intent,
    LineQuantity,
    MoveFulfillmentOrder,
    SetOrderMetafield,
    hold_handle,
)
from engine.model import FulfillmentOrder, Location
from engine.ruleset_model import HoldFallback
from engine.run import Placement, Run, fo_label
from engine.summary import settled, summarize
from engine.vendor_lines import vendor_at
from engine.vendors import buy

TAG_ROUTED = "routing-engine:routed"
TAG_HELD = "routing-engine:held"
_METAFIELD = f"{DECISION_METAFIELD_NAMESPACE}.{DECISION_METAFIELD_KEY}"


def settle(run: Run, fo: FulfillmentOrder) -> FulfillmentOrderOutcome:
    """The outcome of a routed fulfillment order, adding its intents to `run`."""
    units = run.units(fo)
    fo_id = fo.id
    placements = [p for p in run.placements if p.unit.fo_id == fo_id]
    if not placements:
        target = run.targets.get(fo_id)
        if target is not None and not units:
            return _whole(run, fo, target[0], target[1])
        return _fall_back(run, fo)
    placed = {p.unit.line_id for p in placements}
    unplaced = [unit for unit in units if unit.line_id not in placed]
    places = list(dict.fromkeys(p.location.id for p in placements))
    if len(places) == 1 and not unplaced:
        return _whole(run, fo, placements[0].location, placements[0].strategy)
    return _split(run, fo, placements, unplaced)


def _whole(run: Run, fo: FulfillmentOrder, target: Location, strategy: str) -> FulfillmentOrderOutcome:
    action: Literal["keep", "move"]
    vendor = vendor_at(run.snapshot, target.id)
    if fo.assigned_location_id == target.id:
        run.note("choice", fo_label(fo), f"stays at {target.name}", f"strategy {strategy}")
        action = "keep"
    else:
        source = run.location_name(fo.assigned_location_id)
        run.note("choice", fo_label(fo), f"moves from {source} to {target.name}", f"strategy {strategy}")
        if vendor is None:
            run.moves.append(
                MoveFulfillmentOrder(
                    fulfillment_order_id=fo.id,
                    from_location_id=fo.assigned_location_id,
                    to_location_id=target.id,
                )
            )
        action = "move"
    if vendor is not None and not _pinned(run, fo):
        buy(run, fo, vendor, list(run.units(fo)), True, target)
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id,
        action=action,
        strategy=strategy,
        from_location_id=fo.assigned_location_id,
        to_location_id=target.id,
        why=run.why_of(fo.id),
    )


def _pinned(run: Run, fo: FulfillmentOrder) -> bool:
    return any(key[0] == fo.id for key in run.pinned)


def _lines(units: list[Unit]) -> tuple[LineQuantity, ...]:
    return tuple(LineQuantity(id=unit.line.id, quantity=unit.quantity) for unit in units)


def _split(
    run: Run, fo: FulfillmentOrder, placements: list[Placement], unplaced: list[Unit]
) -> FulfillmentOrderOutcome:
    parts: list[ShipmentPart] = []
    words: list[str] = []
    for location_id in dict.fromkeys(p.location.id for p in placements):
        order = {line.id: index for index, line in enumerate(fo.lines)}
        here = sorted(
            (p for p in placements if p.location.id == location_id), key=lambda p: order[p.unit.line.id]
        )
        lines = _lines([p.unit for p in here])
        skus = ", ".join(p.unit.sku for p in here)
        name, strategy = here[0].location.name, here[0].strategy
        vendor = vendor_at(run.snapshot, location_id)
        if vendor is not None and not any((fo.id, p.unit.line.id) in run.pinned for p in here):
            buy(run, fo, vendor, [p.unit for p in here], False, here[0].location)
        if location_id == fo.assigned_location_id:
            parts.append(ShipmentPart(action="keep", location_id=location_id, lines=lines, strategy=strategy))
            words.append(f"{skus} stay at {name}")
            continue
        if vendor is None:
            run.moves.append(
                MoveFulfillmentOrder(
                    fulfillment_order_id=fo.id,
                    from_location_id=fo.assigned_location_id,
                    to_location_id=location_id,
                    lines=lines,
                )
            )
        parts.append(ShipmentPart(action="move", location_id=location_id, lines=lines, strategy=strategy))
        words.append(f"{skus} move to {name}")
    hold_reason: str | None = None
    note = ""
    if unplaced:
        rest = _lines(unplaced)
        skus = ", ".join(unit.sku for unit in unplaced)
        fallback = run.ruleset.fallback
        held = isinstance(fallback, HoldFallback) and (
            not fo.supported_actions or "HOLD" in fo.supported_actions
        )
        if isinstance(fallback, HoldFallback) and held:
            note = render_note(run, fallback.note, best_candidate(run.checks), fo.id)
            hold_reason = fallback.reason
            kept = any(part.action == "keep" for part in parts)
            # After the moves the original holds only these lines, unless some lines stay too.
            run.holds.append(
                HoldFulfillmentOrder(
                    fulfillment_order_id=fo.id,
                    reason=fallback.reason,
                    notes=note,
                    handle=hold_handle(fallback.reason),
                    lines=rest if kept else (),
                )
            )
            parts.append(ShipmentPart(action="hold", location_id=fo.assigned_location_id, lines=rest))
            words.append(f"{skus} held ({fallback.reason})")
            run.note("fallback", fo_label(fo), f"lines {skus} held ({fallback.reason})", note)
        else:
            parts.append(ShipmentPart(action="keep", location_id=fo.assigned_location_id, lines=rest))
            words.append(f"{skus} stay where Shopify put them")
            run.note("fallback", fo_label(fo), f"lines {skus} kept", "no strategy placed them")
        run.tags.extend(fallback.tags)
    run.note("choice", fo_label(fo), "splits", "; ".join(words))
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id,
        action="split",
        strategy=placements[0].strategy,
        from_location_id=fo.assigned_location_id,
        hold_reason=hold_reason,
        note=note,
        parts=tuple(parts),
        why=run.why_of(fo.id),
    )


def _fall_back(run: Run, fo: FulfillmentOrder) -> FulfillmentOrderOutcome:
    fallback = run.ruleset.fallback
    label = fo_label(fo)
    if not isinstance(fallback, HoldFallback):
        where = run.location_name(fo.assigned_location_id)
        run.note(
            "fallback", label, f"kept at {where}", "no strategy yields a plan; Shopify's assignment stays"
        )
        run.tags.extend(fallback.tags)
        return FulfillmentOrderOutcome(
            fulfillment_order_id=fo.id,
            action="keep",
            from_location_id=fo.assigned_location_id,
            to_location_id=fo.assigned_location_id,
            why=run.why_of(fo.id),
        )
    if fo.supported_actions and "HOLD" not in fo.supported_actions:
        return skip(run, fo, "no strategy yields a plan and Shopify does not allow a hold here")
    best = best_candidate(run.checks)
    note = render_note(run, fallback.note, best, fo.id)
    run.note("fallback", label, f"held ({fallback.reason})", note)
    run.holds.append(
        HoldFulfillmentOrder(
            fulfillment_order_id=fo.id,
            reason=fallback.reason,
            notes=note,
            handle=hold_handle(fallback.reason),
        )
    )
    run.tags.extend(fallback.tags)
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id,
        action="hold",
        from_location_id=fo.assigned_location_id,
        hold_reason=fallback.reason,
        note=note,
        why=run.why_of(fo.id),
    )


def is_held(outcome: FulfillmentOrderOutcome) -> bool:
    return outcome.action == "hold" or any(part.action == "hold" for part in outcome.parts)


def finish(run: Run, outcomes: tuple[FulfillmentOrderOutcome, ...]) -> tuple[Outcome, tuple[Intent, ...]]:
    """The decision's outcome and intents: writes, then the metafield, then tags."""
    decided = [o for o in outcomes if o.action != "skip"]
    if not decided:
        run.note("summary", "order", "skipped", "no fulfillment order to route")
        return "skipped", ()
    held = any(is_held(o) for o in decided)
    outcome: Outcome = "held" if held else "routed"
    summary = summarize(run.ruleset.version, outcome, decided)
    existing = run.snapshot.order.metafields.get(_METAFIELD)
    writes: list[Intent] = [*run.releases, *run.moves, *run.purchase_orders, *run.holds]
    if not writes and settled(existing, summary):
        run.note("summary", "order", "unchanged", "every fulfillment order is in place and already recorded")
        return "unchanged", ()
    intents = list(writes)
    order_id = run.snapshot.order.id
    if existing != summary:
        intents.append(
            SetOrderMetafield(
                order_id=order_id,
                namespace=DECISION_METAFIELD_NAMESPACE,
                key=DECISION_METAFIELD_KEY,
                type="json",
                value=summary,
            )
        )
    routed = any(o.action in ("move", "split") or (o.action == "keep" and o.strategy) for o in decided)
    wanted = [TAG_ROUTED] if routed else []
    wanted += [TAG_HELD] if held else []
    wanted += run.tags
    present = {tag.casefold() for tag in run.snapshot.order.tags}
    missing = tuple(dict.fromkeys(tag for tag in wanted if tag.casefold() not in present))
    if missing:
        intents.append(AddOrderTags(order_id=order_id, tags=missing))
    run.note("summary", "order", outcome, f"{len(intents)} intent(s)")
    return outcome, tuple(intents)
