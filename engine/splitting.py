"""Splitting: which location ships which lines, when one location cannot ship them all.

Lines are placed whole (a line's units are never divided), in bundles: a keep-together group
is one bundle. Candidates come ranked. Two preferences:
- `fewer_shipments` (default): one location for everything if any can; otherwise, greedily, the
  location that takes the most lines (a location already shipping for this order first, then
  rank) until every bundle is placed or `max_shipments` is reached;
- `nearer`: each bundle goes to the best-ranked location that can ship it, opening a new
  shipment only while `max_shipments` allows.
Then shipments below `min_shipment_value` / `min_shipment_lines` (when the order has more than
one) are folded into the plan's other shipments where stock allows, or dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from engine.allocation import Ledger, Unit, free_units, usable
from engine.candidates import Candidate, Lookup
from engine.conditions import Condition
from engine.evaluate import line_holds
from engine.policy import SplitOptions
from engine.ruleset_model import Strategy

Bundle = tuple[Unit, ...]


@dataclass
class SplitPlan:
    assigned: dict[str, list[Bundle]] = field(default_factory=dict)  # location id -> bundles
    unplaced: list[Bundle] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shipments dropped below a minimum
    reasons: list[str] = field(default_factory=list)  # why each unplaced bundle stayed unplaced

    def units_at(self, location_id: str) -> list[Unit]:
        return [unit for bundle in self.assigned.get(location_id, ()) for unit in bundle]


def bundles_of(units: Sequence[Unit], strategy: Strategy) -> list[Bundle]:
    """One bundle per line, merged by the strategy's keep-together groups (in line order)."""
    parent = list(range(len(units)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for rule in strategy.split.keep_together:
        first: dict[str, int] = {}
        for index, unit in enumerate(units):
            key = _together_key(rule.by, unit, rule.when)
            if key is None:
                continue
            if key in first:
                parent[root(index)] = root(first[key])
            else:
                first[key] = index
    groups: dict[int, list[Unit]] = {}
    for index, unit in enumerate(units):
        groups.setdefault(root(index), []).append(unit)
    return [tuple(group) for group in groups.values()]


def _together_key(by: str, unit: Unit, when: Condition | None) -> str | None:
    if by == "fulfillment_order":
        return unit.fo.id
    if by == "vendor":
        return (unit.line.vendor or "").casefold() or None
    if by == "product_type":
        return (unit.line.product_type or "").casefold() or None
    return "together" if when is not None and line_holds(when, unit.line) else None


class _Planner:
    def __init__(
        self,
        lookup: Lookup,
        ledger: Ledger,
        strategy: Strategy,
        candidates: Sequence[Candidate],
        units: Sequence[Unit],
        used: set[str],
    ) -> None:
        self.lookup, self.ledger, self.strategy = lookup, ledger, strategy
        self.snapshot = lookup.snapshot
        self.eligibility: dict[tuple[str, str], bool] = {}
        self.rank = {c.location.id: index for index, c in enumerate(candidates)}
        self.all = list(candidates)
        # A candidate that takes no moves and holds none of the lines cannot take part: leave it
        # out of every loop (after a cut-off that is most of them).
        here = {unit.assigned for unit in units}
        self.candidates = [c for c in candidates if c.location.id in here or _takes_moves(c)]
        self.units = units
        self.used = used
        self.pool: dict[tuple[str, str], int] = {}
        self.plan = SplitPlan()
        self.max = strategy.split.max_shipments
        self.dropped: dict[Bundle, str] = {}  # bundles left over when their shipment fell short

    def shipments(self) -> set[str]:
        return self.used | set(self.plan.assigned)

    def may_open(self, candidate: Candidate) -> bool:
        if self.max is None:
            return True
        locations = self.shipments()
        return candidate.location.id in locations or len(locations) < self.max

    def eligible(self, unit: Unit, candidate: Candidate) -> bool:
        key = (unit.line.id, candidate.location.id)
        found = self.eligibility.get(key)
        if found is None:
            location_id = candidate.location.id
            found = (
                self.lookup.refusal(candidate, unit, self.strategy) is None
                and self.lookup.mobility(unit.fo).block(candidate) is None
                # Shopify refuses to move a line to a location that never stocked its item.
                and (unit.at(location_id) or location_id in self.snapshot.inventory.get(unit.item, {}))
            )
            self.eligibility[key] = found
        return found

    def stock(self, unit: Unit, candidate: Candidate) -> int:
        key = (unit.item, candidate.location.id)
        found = self.pool.get(key)
        if found is not None:
            return found
        if key not in self.pool:
            own = sum(u.quantity for u in self.units if u.item == unit.item and u.at(candidate.location.id))
            free = free_units(self.snapshot, self.ledger, unit.item, candidate.location.id)
            self.pool[key] = own + usable(free, self.lookup.safety_stock(candidate, unit.sku, self.strategy))
        return self.pool[key]

    def fits(self, bundle: Bundle, candidate: Candidate, taken: dict[str, int]) -> bool:
        if len(bundle) == 1:  # most bundles are one line
            unit = bundle[0]
            return self.eligible(unit, candidate) and (
                taken.get(unit.item, 0) + unit.quantity <= self.stock(unit, candidate)
            )
        wanted: dict[str, int] = {}
        for unit in bundle:
            if not self.eligible(unit, candidate):
                return False
            wanted[unit.item] = wanted.get(unit.item, 0) + unit.quantity
        sample = {unit.item: unit for unit in bundle}
        return all(
            taken.get(item, 0) + qty <= self.stock(sample[item], candidate) for item, qty in wanted.items()
        )

    def take(self, bundle: Bundle, candidate: Candidate, sign: int = 1) -> None:
        for unit in bundle:
            self.stock(unit, candidate)
            self.pool[(unit.item, candidate.location.id)] -= sign * unit.quantity
        if sign > 0:
            self.plan.assigned.setdefault(candidate.location.id, []).append(bundle)

    def selection(self, bundles: Sequence[Bundle], candidate: Candidate) -> list[Bundle]:
        taken: dict[str, int] = {}
        chosen: list[Bundle] = []
        for bundle in bundles:
            if self.fits(bundle, candidate, taken):
                chosen.append(bundle)
                for unit in bundle:
                    taken[unit.item] = taken.get(unit.item, 0) + unit.quantity
        return chosen


def plan_split(
    lookup: Lookup,
    ledger: Ledger,
    strategy: Strategy,
    candidates: Sequence[Candidate],
    units: Sequence[Unit],
    used: set[str],
) -> SplitPlan:
    """Place the units' bundles at the ranked candidates under the strategy's split options."""
    planner = _Planner(lookup, ledger, strategy, candidates, units, used)
    bundles = bundles_of(units, strategy)
    if strategy.split.prefer == "nearer":
        remaining = _nearest_first(planner, bundles)
    else:
        remaining = _fewest_shipments(planner, bundles)
    planner.plan.unplaced.extend(remaining)
    _apply_minimums(planner)
    for bundle in planner.plan.unplaced:
        planner.plan.reasons.append(f"{_skus(bundle)}: {_why_unplaced(planner, bundle)}")
    return planner.plan


def _fewest_shipments(planner: _Planner, bundles: list[Bundle]) -> list[Bundle]:
    remaining = list(bundles)
    first_round = True
    while remaining:
        best: tuple[tuple[int, int, int], Candidate, list[Bundle]] | None = None
        shipping = planner.shipments()
        for candidate in planner.candidates:
            if not planner.may_open(candidate):
                continue
            chosen = planner.selection(remaining, candidate)
            if first_round and len(chosen) == len(remaining):
                best = ((0, 0, 0), candidate, chosen)  # one location ships it all: the first in rank order
                break
            lines = sum(len(bundle) for bundle in chosen)
            score = (
                -lines,
                0 if candidate.location.id in shipping else 1,
                planner.rank[candidate.location.id],
            )
            if chosen and (best is None or score < best[0]):
                best = (score, candidate, chosen)
        first_round = False
        if best is None:
            break
        for bundle in best[2]:
            planner.take(bundle, best[1])
            remaining.remove(bundle)
    return remaining


def _nearest_first(planner: _Planner, bundles: list[Bundle]) -> list[Bundle]:
    remaining: list[Bundle] = []
    for bundle in bundles:
        target = next(
            (c for c in planner.candidates if planner.may_open(c) and planner.fits(bundle, c, {})),
            None,
        )
        if target is None:
            remaining.append(bundle)
        else:
            planner.take(bundle, target)
    return remaining


def _apply_minimums(planner: _Planner) -> None:
    """Shipments below a minimum are folded whole into the plan's other shipments; when no small
    shipment can be folded, the worst-ranked small one is dropped (its lines go unplaced)."""
    options = planner.strategy.split
    if options.min_shipment_value is None and options.min_shipment_lines is None:
        return
    by_id = {c.location.id: c for c in planner.candidates}
    while len(planner.shipments()) > 1:
        small = [
            (location_id, short)
            for location_id in sorted(planner.plan.assigned, key=lambda i: -planner.rank[i])
            if (short := _below_minimum(planner.plan.units_at(location_id), options)) is not None
        ]
        if not small:
            return
        if not any(_fold(planner, by_id[location_id], short) for location_id, short in small):
            _drop(planner, by_id[small[0][0]], small[0][1])


def _below_minimum(units: Sequence[Unit], options: SplitOptions) -> str | None:
    value = sum(unit.value for unit in units)
    if options.min_shipment_value is not None and value < options.min_shipment_value:
        return f"value {value:.2f} < minimum {options.min_shipment_value:.2f}"
    if options.min_shipment_lines is not None and len(units) < options.min_shipment_lines:
        count = len(units)
        return f"{count} line{'s' if count != 1 else ''} < minimum {options.min_shipment_lines}"
    return None


def _fold(planner: _Planner, candidate: Candidate, short: str) -> bool:
    """Move every bundle of this shipment into the plan's other shipments, or change nothing."""
    bundles = planner.plan.assigned.pop(candidate.location.id)
    for bundle in bundles:
        planner.take(bundle, candidate, sign=-1)
    moved: list[tuple[Bundle, Candidate]] = []
    for bundle in bundles:
        others = [c for c in planner.candidates if c.location.id in planner.plan.assigned]
        target = next((c for c in others if planner.fits(bundle, c, {})), None)
        if target is None:
            for placed, where in moved:  # undo: this shipment stays as it was, for now
                planner.take(placed, where, sign=-1)
                planner.plan.assigned[where.location.id].remove(placed)
            for bundle_back in bundles:
                planner.take(bundle_back, candidate)
            return False
        planner.take(bundle, target)
        moved.append((bundle, target))
    names = ", ".join(dict.fromkeys(target.name for _, target in moved))
    planner.plan.notes.append(f"shipment from {candidate.name} dropped: {short}; lines folded into {names}")
    return True


def _drop(planner: _Planner, candidate: Candidate, short: str) -> None:
    bundles = planner.plan.assigned.pop(candidate.location.id)
    for bundle in bundles:
        planner.take(bundle, candidate, sign=-1)
        planner.plan.unplaced.append(bundle)
        planner.dropped[bundle] = f"the shipment from {candidate.name} fell below the minimum ({short})"
    planner.plan.notes.append(f"shipment from {candidate.name} dropped: {short}")


def _takes_moves(candidate: Candidate) -> bool:
    return candidate.barred is None and candidate.closed is None


def _why_unplaced(planner: _Planner, bundle: Bundle) -> str:
    if planner.dropped and bundle in planner.dropped:  # hashing a bundle hashes its models: not for nothing
        return planner.dropped[bundle]
    if planner.max is not None and any(planner.fits(bundle, c, {}) for c in planner.candidates):
        return f"it would need more than {planner.max} shipment{'s' if planner.max != 1 else ''}"
    shown = planner.candidates[:4] or planner.all[:4]
    reasons = [_why_not_here(planner, bundle, c) for c in shown]
    more = f"; {len(planner.all) - len(shown)} more" if len(planner.all) > len(shown) else ""
    return ("; ".join(reasons) + more) if reasons else "no candidate location"


def _why_not_here(planner: _Planner, bundle: Bundle, candidate: Candidate) -> str:
    for unit in bundle:
        if planner.lookup.refusal(candidate, unit, planner.strategy) is not None:
            return f"{candidate.name} refuses {unit.sku}"
        block = planner.lookup.mobility(unit.fo).block(candidate)
        if block is not None:
            return f"{candidate.name}: {block}"
        if not unit.at(candidate.location.id) and candidate.location.id not in planner.snapshot.inventory.get(
            unit.item, {}
        ):
            return f"{candidate.name} never stocked {unit.sku}"
    counts = ", ".join(f"{unit.sku} {max(planner.stock(unit, candidate), 0)}" for unit in bundle)
    return f"{candidate.name} has {counts}"


def _skus(bundle: Bundle) -> str:
    return " + ".join(unit.sku for unit in bundle)
