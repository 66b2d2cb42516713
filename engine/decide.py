"""`decide()`: one order's snapshot + the rule set -> a Decision (intents + trace). Pure.

The fulfillment orders that can be routed are asked of durable_rules (through the matcher) which
strategies' conditions hold for them. Strategies are tried in file order; each takes the pending
fulfillment orders it applies to and looks, in its order of preference, for one location that
ships all of them complete (`ship_complete`: one shipment for the order). What no strategy
places goes to the fallback, which holds or keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from engine.allocation import (
    CandidateCheck,
    Ledger,
    best_candidate,
    check_ship_complete,
    exclusion,
    resolve_locations,
)
from engine.conditions import describe
from engine.decision import Decision, FulfillmentOrderOutcome, Outcome, TraceEntry
from engine.facts import build_fact
from engine.intents import (
    DECISION_METAFIELD_KEY,
    DECISION_METAFIELD_NAMESPACE,
    AddOrderTags,
    HoldFulfillmentOrder,
    Intent,
    MoveFulfillmentOrder,
    SetOrderMetafield,
    hold_handle,
)
from engine.matcher import compiled_rules, match
from engine.model import FulfillmentOrder, Snapshot
from engine.ruleset import HoldFallback, RuleSet, Strategy
from engine.summary import settled, summarize

TAG_ROUTED = "routing-engine:routed"
TAG_HELD = "routing-engine:held"
ROUTABLE_DELIVERY_METHODS = frozenset({"SHIPPING"})  # or none given; pick-up and local stay put
_METAFIELD = f"{DECISION_METAFIELD_NAMESPACE}.{DECISION_METAFIELD_KEY}"


@dataclass
class _Run:
    """The state of one decision while it is being made."""

    snapshot: Snapshot
    ruleset: RuleSet
    ledger: Ledger = field(default_factory=Ledger)
    trace: list[TraceEntry] = field(default_factory=list)
    writes: list[Intent] = field(default_factory=list)

    def note(self, step: str, subject: str, verdict: str, detail: str = "") -> None:
        self.trace.append(TraceEntry(step=step, subject=subject, verdict=verdict, detail=detail))

    def location_name(self, location_id: str | None) -> str:
        location = self.snapshot.location(location_id) if location_id else None
        return location.name if location else (location_id or "no location")


def decide(snapshot: Snapshot, ruleset: RuleSet) -> Decision:
    run = _Run(snapshot, ruleset)
    outcomes: dict[str, FulfillmentOrderOutcome] = {}
    routable: list[FulfillmentOrder] = []
    for fo in snapshot.fulfillment_orders:
        settled_outcome = _screen(run, fo)
        if settled_outcome is None:
            routable.append(fo)
        else:
            outcomes[fo.id] = settled_outcome
    schema = compiled_rules(ruleset).schema
    matches = match(ruleset, [build_fact(snapshot, fo, schema) for fo in routable])
    outcomes.update(_route(run, routable, dict(zip([fo.id for fo in routable], matches, strict=True))))
    ordered = tuple(outcomes[fo.id] for fo in snapshot.fulfillment_orders)
    outcome, intents = _finish(run, ordered)
    return Decision(
        store=snapshot.store,
        order_id=snapshot.order.id,
        order_name=snapshot.order.name,
        ruleset_version=ruleset.version,
        outcome=outcome,
        fulfillment_orders=ordered,
        intents=intents,
        trace=tuple(run.trace),
    )


def _fo_label(fo: FulfillmentOrder) -> str:
    return f"FO {fo.id.rsplit('/', 1)[-1]}"


def _skip(run: _Run, fo: FulfillmentOrder, why: str) -> FulfillmentOrderOutcome:
    run.note("skip", _fo_label(fo), why, "not touched")
    return FulfillmentOrderOutcome(fulfillment_order_id=fo.id, action="skip", note=why)


def _screen(run: _Run, fo: FulfillmentOrder) -> FulfillmentOrderOutcome | None:
    """None when `fo` is to be routed now; otherwise its settled outcome (skip, or our hold)."""
    others = [hold for hold in fo.holds if not hold.held_by_us]
    if others:
        reasons = ", ".join(sorted({hold.reason for hold in others}))
        return _skip(run, fo, f"held by the merchant or another app (reason {reasons})")
    if fo.status == "ON_HOLD":
        fallback = run.ruleset.fallback
        ours = fo.our_hold(hold_handle(fallback.reason)) if isinstance(fallback, HoldFallback) else None
        if ours is None:
            handles = ", ".join(sorted(hold.handle or "(none)" for hold in fo.holds)) or "none listed"
            return _skip(run, fo, f"on hold under handles the rules do not place ({handles})")
        run.note("skip", _fo_label(fo), "already held by us", f"hold {ours.handle} stays; no new intents")
        return FulfillmentOrderOutcome(
            fulfillment_order_id=fo.id,
            action="hold",
            from_location_id=fo.assigned_location_id,
            hold_reason=ours.reason,
            note=ours.notes or "",
        )
    if fo.status != "OPEN":
        return _skip(run, fo, f"status {fo.status}: nothing to route")
    if fo.request_status != "UNSUBMITTED":
        return _skip(run, fo, f"fulfillment request {fo.request_status}: Shopify refuses moves")
    if fo.delivery_method is not None and fo.delivery_method not in ROUTABLE_DELIVERY_METHODS:
        return _skip(run, fo, f"delivery method {fo.delivery_method}: only shipping is routed")
    return None


def _route(
    run: _Run, routable: list[FulfillmentOrder], matched: dict[str, frozenset[int]]
) -> dict[str, FulfillmentOrderOutcome]:
    outcomes: dict[str, FulfillmentOrderOutcome] = {}
    pending = list(routable)
    checks: list[CandidateCheck] = []
    for index, strategy in enumerate(run.ruleset.strategies):
        if not pending:
            break
        group = [fo for fo in pending if index in matched[fo.id]]
        if not group:
            why = describe(strategy.when) if strategy.when is not None else ""
            run.note("strategy", f"strategy {strategy.id}", f"does not apply to {_labels(pending)}", why)
            continue
        run.note("strategy", f"strategy {strategy.id}", f"conditions hold for {_labels(group)}")
        chosen = _try_strategy(run, group, strategy, checks)
        if chosen is not None:
            for fo in group:
                outcomes[fo.id] = _place(run, fo, strategy, chosen)
            pending = [fo for fo in pending if fo not in group]
    best = best_candidate(checks)
    for fo in pending:
        outcomes[fo.id] = _fall_back(run, fo, best)
    return outcomes


def _labels(fos: list[FulfillmentOrder]) -> str:
    return ", ".join(_fo_label(fo) for fo in fos)


def _try_strategy(
    run: _Run, group: list[FulfillmentOrder], strategy: Strategy, checks: list[CandidateCheck]
) -> CandidateCheck | None:
    locations, unknown = resolve_locations(run.snapshot, strategy.locations)
    for name in unknown:
        run.note("candidate", name, "not found", f"no such location in {run.snapshot.store}; ignored")
    for location in locations:
        why_not = exclusion(location, group)
        if why_not is not None:
            run.note("candidate", location.name, "excluded", why_not)
            continue
        check = check_ship_complete(run.snapshot, group, location, run.ledger)
        checks.append(check)
        where = " (current location)" if check.is_current else ""
        if check.ships_complete:
            run.note("candidate", location.name + where, "ships complete", _labels(group))
            return check
        run.note("candidate", location.name + where, "short", ", ".join(str(s) for s in check.shortages))
    return None


def _place(
    run: _Run, fo: FulfillmentOrder, strategy: Strategy, chosen: CandidateCheck
) -> FulfillmentOrderOutcome:
    target = chosen.location
    action: Literal["keep", "move"]
    if fo.assigned_location_id == target.id:
        run.note("choice", _fo_label(fo), f"stays at {target.name}", f"strategy {strategy.id}")
        action = "keep"
    else:
        source = run.location_name(fo.assigned_location_id)
        run.note("choice", _fo_label(fo), f"moves from {source} to {target.name}", f"strategy {strategy.id}")
        run.ledger.record_move(fo, target.id)
        run.writes.append(
            MoveFulfillmentOrder(
                fulfillment_order_id=fo.id, from_location_id=fo.assigned_location_id, to_location_id=target.id
            )
        )
        action = "move"
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id,
        action=action,
        strategy=strategy.id,
        from_location_id=fo.assigned_location_id,
        to_location_id=target.id,
    )


def _fall_back(run: _Run, fo: FulfillmentOrder, best: CandidateCheck | None) -> FulfillmentOrderOutcome:
    fallback = run.ruleset.fallback
    label = _fo_label(fo)
    if not isinstance(fallback, HoldFallback):
        where = run.location_name(fo.assigned_location_id)
        run.note(
            "fallback", label, f"kept at {where}", "no strategy yields a plan; Shopify's assignment stays"
        )
        return FulfillmentOrderOutcome(
            fulfillment_order_id=fo.id,
            action="keep",
            from_location_id=fo.assigned_location_id,
            to_location_id=fo.assigned_location_id,
        )
    if fo.supported_actions and "HOLD" not in fo.supported_actions:
        return _skip(run, fo, "no strategy yields a plan and Shopify does not allow a hold here")
    note = _render_note(run, fallback.note, best)
    handle = hold_handle(fallback.reason)
    run.note("fallback", label, f"held ({fallback.reason})", note)
    run.writes.append(
        HoldFulfillmentOrder(
            fulfillment_order_id=fo.id,
            reason=fallback.reason,
            notes=note,
            handle=handle,
        )
    )
    return FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id,
        action="hold",
        from_location_id=fo.assigned_location_id,
        hold_reason=fallback.reason,
        note=note,
    )


def _render_note(run: _Run, template: str, best: CandidateCheck | None) -> str:
    order = run.snapshot.order.name or run.snapshot.order.id
    if best is None:
        short, location = "no preferred location can take every fulfillment order of the order", ""
    else:
        location = best.location.name
        short = ", ".join(str(s) for s in best.shortages) + f" at {location}"
    return template.format(order=order, short_skus=short, location=location)


def _finish(run: _Run, outcomes: tuple[FulfillmentOrderOutcome, ...]) -> tuple[Outcome, tuple[Intent, ...]]:
    decided = [o for o in outcomes if o.action != "skip"]
    if not decided:
        run.note("summary", "order", "skipped", "no fulfillment order to route")
        return "skipped", ()
    held = any(o.action == "hold" for o in decided)
    outcome: Outcome = "held" if held else "routed"
    summary = summarize(run.ruleset.version, outcome, decided)
    existing = run.snapshot.order.metafields.get(_METAFIELD)
    if not run.writes and settled(existing, summary):
        run.note("summary", "order", "unchanged", "every fulfillment order is in place and already recorded")
        return "unchanged", ()
    intents: list[Intent] = list(run.writes)
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
    wanted = [TAG_ROUTED] if any(o.action == "move" or o.strategy for o in decided) else []
    wanted += [TAG_HELD] if held else []
    present = {tag.casefold() for tag in run.snapshot.order.tags}
    missing = tuple(tag for tag in wanted if tag.casefold() not in present)
    if missing:
        intents.append(AddOrderTags(order_id=order_id, tags=missing))
    run.note("summary", "order", outcome, f"{len(intents)} intent(s)")
    return outcome, tuple(intents)
