"""`decide()`: one order's snapshot + the rule set -> a Decision (intents + trace). Pure.

1. Screen each fulfillment order (`holds.screen`): others' holds, closed or submitted ones and
   our fallback holds are settled without rules.
2. Ask durable_rules, in one call for the whole order, which hold rules and strategies apply to
   each remaining fulfillment order (`matcher`).
3. Place, keep or release the rules' holds (`holds.apply_holds`).
4. Run the fallback chain of strategies over what is left to route (`routing.route`).
5. Turn placements into intents, the metafield summary and tags (`outputs`).
"""

from __future__ import annotations

from engine.candidates import Lookup, needs_local_time
from engine.clock import parse_local_time
from engine.decision import Decision, FulfillmentOrderOutcome
from engine.holds import ToMatch, apply_holds, screen
from engine.matcher import match_orders
from engine.model import FulfillmentOrder, Snapshot
from engine.outputs import TAG_HELD, TAG_ROUTED, finish, settle
from engine.routing import route
from engine.ruleset_model import RuleSet
from engine.run import Run

__all__ = ["TAG_HELD", "TAG_ROUTED", "decide"]


def decide(snapshot: Snapshot, ruleset: RuleSet) -> Decision:
    run = Run(snapshot, ruleset, Lookup(snapshot, ruleset))
    outcomes: dict[str, FulfillmentOrderOutcome] = {}
    to_match: list[FulfillmentOrder] = []
    for fo in snapshot.fulfillment_orders:
        screened = screen(run, fo)
        if isinstance(screened, ToMatch):
            to_match.append(screened.fo)
        else:
            outcomes[fo.id] = screened
    matches = match_orders(ruleset, snapshot, to_match)
    holds = len(ruleset.holds)
    routable: list[FulfillmentOrder] = []
    strategies: dict[str, frozenset[int]] = {}
    for fo, matched in zip(to_match, matches, strict=True):
        held = apply_holds(run, fo, matched)
        if isinstance(held, FulfillmentOrderOutcome):
            outcomes[fo.id] = held
        else:
            routable.append(held)
            strategies[held.id] = frozenset(index - holds for index in matched if index >= holds)
    if routable and snapshot.local_time is None and needs_local_time(ruleset):
        run.note("time", "shop-local time", "unknown", "business hours, cut-offs and closed days not checked")
    elif routable and snapshot.local_time is not None and parse_local_time(snapshot.local_time) is None:
        run.note("time", "shop-local time", "unreadable", f"`{snapshot.local_time}`; time rules not checked")
    route(run, routable, strategies)
    for fo in routable:
        outcomes[fo.id] = settle(run, fo)
    ordered = tuple(outcomes[fo.id] for fo in snapshot.fulfillment_orders)
    outcome, intents = finish(run, ordered)
    # One validation for the decision (its trace entries are taken as they are: see TraceEntry).
    return Decision.model_validate(
        {
            "store": snapshot.store,
            "order_id": snapshot.order.id,
            "order_name": snapshot.order.name,
            "ruleset_version": ruleset.version,
            "outcome": outcome,
            "fulfillment_orders": ordered,
            "intents": intents,
            "trace": tuple(run.trace),
        }
    )
