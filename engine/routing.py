"""The fallback chain: strategies tried in order over the lines not yet placed.

Each strategy takes the pending fulfillment orders whose facts its conditions matched and plans:
`ship_complete` traces the candidates that may not take them (in the order written), ranks the
rest and puts every pending line at the first that has it all; `split` ranks all candidates and
spreads the lines over them (`splitting`). The first acceptable plan wins; a split strategy with
`partial: true` places what it can and passes the rest on.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.allocation import Needs, Unit
from engine.candidates import Candidate, resolve
from engine.model import FulfillmentOrder, Location
from engine.ranking import Ranked, rank
from engine.ruleset_model import Strategy
from engine.run import Placement, Run, labels
from engine.splitting import SplitPlan, plan_split


def route(run: Run, fos: Sequence[FulfillmentOrder], matched: dict[str, frozenset[int]]) -> None:
    """Place what the strategies can; placements, targets and checks are recorded in `run`."""
    by_id = {fo.id: fo for fo in fos}
    pending: dict[str, list[Unit]] = {fo_id: list(run.units(fo)) for fo_id, fo in by_id.items()}
    if run.pinned:  # lines a vendor accepted stay where they are
        pinned = run.pinned
        pending = {i: [u for u in us if (i, u.line_id) not in pinned] for i, us in pending.items()}
    open_ids = list(by_id)  # the fulfillment orders still open, by id
    catalog = run.lookup.catalog
    filtered: set[str] = set()  # fulfillment orders whose pending units saw every placement
    open_labels = ""  # their labels, written again only when open_ids changes
    shown_for: list[str] | None = None
    strategies, subjects = run.ruleset.strategies, catalog.subjects
    own, others = catalog.strategies_for(run.lookup.store)
    reached = len(strategies) if open_ids else 0  # the chain went through the strategies before it
    for index in own:
        if not open_ids:
            break
        group_ids = [fo_id for fo_id in open_ids if index in matched[fo_id]]
        if not group_ids:
            if shown_for != open_ids:
                open_labels, shown_for = labels([by_id[i] for i in open_ids]), list(open_ids)
            why = catalog.descriptions[index]
            run.note("strategy", subjects[index], f"does not apply to {open_labels}", why)
            continue
        group = [by_id[fo_id] for fo_id in group_ids]
        run.note("strategy", subjects[index], f"conditions hold for {labels(group)}")
        units = [unit for fo_id in group_ids for unit in pending[fo_id]]
        before = len(run.placements)
        done = _try(run, index, strategies[index], group, units)
        for fo_id in group_ids:
            if len(run.placements) != before or fo_id not in filtered:  # else nothing new was placed
                filtered.add(fo_id)
                placed = {p.unit.line_id for p in run.placements if p.unit.fo_id == fo_id}
                pending[fo_id] = [u for u in pending[fo_id] if u.line_id not in placed]
            if fo_id in done or (not pending[fo_id] and fo_id in run.targets):
                open_ids.remove(fo_id)
        if not open_ids:
            reached = index + 1
    # Strategies limited to other stores, up to where the chain stopped: one trace line for all.
    elsewhere = [catalog.ids[i] for i in others if i < reached]
    if elsewhere:
        shown = ", ".join(elsewhere[:6]) + (f" and {len(elsewhere) - 6} more" if len(elsewhere) > 6 else "")
        subject = (
            "1 strategy for other stores"
            if len(elsewhere) == 1
            else f"{len(elsewhere)} strategies for other stores"
        )
        verdict = "does not apply" if len(elsewhere) == 1 else "do not apply"
        run.note("strategy", subject, verdict, f"{shown} (store is {run.snapshot.store})")


def _try(
    run: Run, index: int, strategy: Strategy, group: list[FulfillmentOrder], units: list[Unit]
) -> set[str]:
    """Run one strategy; the ids of the fulfillment orders it settled completely."""
    resolved = resolve(run.lookup, strategy, index)
    for subject, verdict, detail in resolved.notes:
        run.note("candidate", subject, verdict, detail)
    if strategy.allocation == "split":
        ranked = _ranked(run, strategy, group, units, resolved.candidates)
        return _split(run, strategy, group, units, ranked)
    # Ship complete: exclusions first (in the order written), then the rest ranked and checked.
    seen: list[str] = []
    kept = _admissible(run, strategy, group, units, resolved.candidates, seen)
    candidates = [resolved.candidates[i] for i in kept]
    ranked = _ranked(run, strategy, group, units, candidates)
    chosen = _ship_complete(run, strategy, group, units, ranked, seen)
    if chosen is None:
        tried = ", ".join(seen[:3]) + (f", {len(seen) - 3} more" if len(seen) > 3 else "")
        for fo in group:
            run.explain(fo, f"{strategy.id}: {tried or 'no candidate'}")
        return set()
    for unit in units:
        _place(run, unit, chosen, strategy)
    for fo in group:
        run.targets[fo.id] = (chosen, strategy.id)
        run.explain(fo, f"{strategy.id}: {chosen.name} ships complete")
    run.tags.extend(strategy.tags)
    return {fo.id for fo in group}


def _ranked(
    run: Run,
    strategy: Strategy,
    group: list[FulfillmentOrder],
    units: list[Unit],
    candidates: Sequence[Candidate],
) -> list[Ranked]:
    ranked, skipped = rank(run.lookup, run.ledger, strategy, candidates, units, group)
    if skipped:
        run.note("rank", f"strategy {strategy.id}", "ranking", skipped)
    if strategy.rank and ranked and ranked[0].facts:
        shown = [r for r in ranked if r.facts]
        order = "; ".join(f"{n}. {r.candidate.name} ({r.facts})" for n, r in enumerate(shown, start=1))
        more = f"; … {len(ranked) - len(shown)} more" if len(ranked) > len(shown) else ""
        by = ", ".join(key.by for key in strategy.rank if not (skipped and key.by == "distance"))
        run.note("rank", f"strategy {strategy.id}", f"ranks by {by}", order + more)
    return ranked


def _admissible(
    run: Run,
    strategy: Strategy,
    group: list[FulfillmentOrder],
    units: list[Unit],
    candidates: Sequence[Candidate],
    seen: list[str],
) -> list[int]:
    """Positions of the candidates that may take the whole group; the others traced as excluded."""
    lookup = run.lookup
    mobilities = [lookup.mobility(fo) for fo in group]
    places = {mobility.assigned for mobility in mobilities}
    kept: list[int] = []
    single = mobilities[0] if len(mobilities) == 1 else None
    for position, candidate in enumerate(candidates):
        if single is not None:
            why_not = single.block(candidate)
        else:
            why_not = next((why for m in mobilities if (why := m.block(candidate)) is not None), None)
        if why_not is None and (candidate.refuses is not None or lookup.vendor_refusals):
            why_not = next(
                (r for u in units if (r := lookup.refusal(candidate, u, strategy)) is not None), None
            )
        if why_not is None:
            kept.append(position)
            continue
        here = len(places) == 1 and candidate.id in places
        run.note("candidate", candidate.name + (" (current location)" if here else ""), "excluded", why_not)
        seen.append(f"{candidate.name} {why_not}")
    return kept


def _ship_complete(
    run: Run,
    strategy: Strategy,
    group: list[FulfillmentOrder],
    units: list[Unit],
    ranked: list[Ranked],
    seen: list[str],
) -> Location | None:
    """The first ranked candidate that ships every unit; `seen` collects why others did not."""
    if not ranked:
        return None
    needs = Needs(units)
    lookup = run.lookup
    lines = tuple(unit.line.id for unit in units)
    ignores_safety = "safety_stock" in strategy.ignore
    places = {fo.assigned_location_id for fo in group}
    for entry in ranked:
        candidate = entry.candidate
        facts = f" ({entry.facts})" if entry.facts else ""
        here = len(places) == 1 and candidate.location.id in places
        # Strategies sharing locations check the same lines there: once per decision.
        group_name = candidate.group.name if candidate.group is not None else ""
        memo = (candidate.location.id, group_name, ignores_safety, lines, run.ledger.version, here)
        found = lookup.checks.get(memo)
        if found is None:
            by_sku, default = (None, 0) if ignores_safety else lookup.safety_table(candidate)

            def safety(sku: str, by_sku: dict[str, int] | None = by_sku, default: int = default) -> int:
                return by_sku.get(sku.casefold(), default) if by_sku else default  # lookup.safety_stock

            check = needs.check(run.snapshot, candidate.location, run.ledger, safety, here)
            short = ", ".join(str(s) for s in check.shortages)
            found = lookup.checks[memo] = (check, short, ", ".join(s.sku for s in check.shortages))
        check, short, skus = found
        run.checks.append(check)
        subject = candidate.name + (" (current location)" if here else "") + facts
        if check.ships_complete:
            run.note("candidate", subject, "ships complete", labels(group))
            return candidate.location
        run.note("candidate", subject, "short", short)
        seen.append(f"{candidate.name} short of {skus}")
    return None


def _split(
    run: Run, strategy: Strategy, group: list[FulfillmentOrder], units: list[Unit], ranked: list[Ranked]
) -> set[str]:
    candidates = [entry.candidate for entry in ranked]
    for candidate in candidates:
        if candidate.closed is not None:
            run.note("candidate", candidate.name, "takes no moves", candidate.closed)
    plan = plan_split(run.lookup, run.ledger, strategy, candidates, units, run.used_locations())
    for note in plan.notes:
        run.note("split", f"strategy {strategy.id}", "adjusts", note)
    placed = sum(len(plan.units_at(location_id)) for location_id in plan.assigned)
    if not placed or (plan.unplaced and not strategy.split.partial):
        left = " / ".join(plan.reasons) or "no candidate can ship any line"
        run.note("strategy", f"strategy {strategy.id}", "yields no acceptable plan", left)
        for fo in group:
            run.explain(fo, f"{strategy.id}: {left}")
        return set()
    by_id = {c.location.id: c for c in candidates}
    shipments = _describe_plan(plan, by_id)
    run.note("split", f"strategy {strategy.id}", f"plans {len(plan.assigned)} shipment(s)", shipments)
    for location_id, bundles in plan.assigned.items():
        for bundle in bundles:
            for unit in bundle:
                _place(run, unit, by_id[location_id].location, strategy)
    if plan.unplaced:
        left = " / ".join(plan.reasons)
        run.note("strategy", f"strategy {strategy.id}", "places part; the rest goes on (partial: true)", left)
    for fo in group:
        mine = [p for p in run.placements if p.unit.fo.id == fo.id and p.strategy == strategy.id]
        if mine:
            run.explain(fo, f"{strategy.id}: " + ", ".join(sorted({p.location.name for p in mine})))
    run.tags.extend(strategy.tags)
    settled = {fo.id for fo in group if not any(u.fo.id == fo.id for b in plan.unplaced for u in b)}
    for fo in group:
        if fo.id in settled and not any(u.fo.id == fo.id for u in units):
            run.targets.setdefault(fo.id, (fo_location(run, fo), strategy.id))
    return settled


def fo_location(run: Run, fo: FulfillmentOrder) -> Location:
    location = run.lookup.by_id(fo.assigned_location_id) if fo.assigned_location_id else None
    return location or Location(
        id=fo.assigned_location_id or "", name="no location", store=run.snapshot.store
    )


def _describe_plan(plan: SplitPlan, by_id: dict[str, Candidate]) -> str:
    parts = []
    for location_id, bundles in plan.assigned.items():
        skus = ", ".join(unit.sku for bundle in bundles for unit in bundle)
        parts.append(f"{by_id[location_id].name}: {skus}")
    return "; ".join(parts)


def _place(run: Run, unit: Unit, location: Location, strategy: Strategy) -> None:
    run.placements.append(Placement(unit, location, strategy.id))
    run.ledger.record(unit, location.id)
