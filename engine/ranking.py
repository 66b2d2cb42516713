"""Ranking candidates: tie-breakers applied in the order written, then the order of `locations:`.

- `distance`: great-circle (haversine) distance from the destination's coordinates; with
  `band_km`, locations in the same band tie. Without destination coordinates the key is left
  out (the trace says so) and the next tie-breaker decides.
- `priority`: the location's `priority:` (1 first); none set ranks last.
- `stock`: units of the needed items a location may give (after safety stock), most first.
- `cost`: the location's `cost:` to the destination country; none set ranks last.
- `load`: orders the engine already sent there today, fewest first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from engine.allocation import Ledger, Unit, free_units, usable
from engine.candidates import Candidate, Lookup
from engine.model import Address, FulfillmentOrder, Snapshot
from engine.policy import RankKey
from engine.ruleset_model import Strategy

_LAST = math.inf


class Ranked(NamedTuple):
    candidate: Candidate
    facts: str  # "412 km, priority 2": what the ranking saw, for the trace ("" below the top)


SHOWN = 5  # candidates whose ranking facts the trace shows


def destination(snapshot: Snapshot, fos: Sequence[FulfillmentOrder]) -> Address | None:
    """The first destination with coordinates among the fulfillment orders, else the order's."""
    for address in [*(fo.destination for fo in fos), snapshot.order.shipping_address]:
        if address is not None and address.latitude is not None and address.longitude is not None:
            return address
    return None


def country_of(snapshot: Snapshot, fos: Sequence[FulfillmentOrder]) -> str:
    for address in [*(fo.destination for fo in fos), snapshot.order.shipping_address]:
        if address is not None and address.country_code:
            return address.country_code.upper()
    return ""


def rank(
    lookup: Lookup,
    ledger: Ledger,
    strategy: Strategy,
    candidates: Sequence[Candidate],
    units: Sequence[Unit],
    fos: Sequence[FulfillmentOrder],
) -> tuple[list[Ranked], str]:
    """Candidates in rank order, and a note when a tie-breaker could not be used (or "").

    Each `Ranked.facts` shows what the tie-breakers used saw; empty when none could be used.
    """
    if not strategy.rank:
        return [Ranked(c, "") for c in candidates], ""
    return _rank(lookup, ledger, strategy, candidates, units, fos)


def _rank(
    lookup: Lookup,
    ledger: Ledger,
    strategy: Strategy,
    candidates: Sequence[Candidate],
    units: Sequence[Unit],
    fos: Sequence[FulfillmentOrder],
) -> tuple[list[Ranked], str]:
    snapshot = lookup.snapshot
    where = destination(snapshot, fos)
    skipped = ""
    keys: list[RankKey] = []
    for key in strategy.rank:
        if key.by == "distance" and where is None:
            skipped = "the destination has no coordinates: distance not used, the next tie-breaker decides"
            continue
        keys.append(key)
    if not candidates:
        return [], skipped
    country = country_of(snapshot, fos)
    measures = [_measure(key, lookup, ledger, strategy, candidates, units, where, country) for key in keys]
    # Sort positions by the last key first, then each earlier one: Python's sort is stable, so
    # the result orders by the first key, ties by the next…, and remaining ties as written.
    order = list(range(len(candidates)))
    for column, _ in reversed(measures):
        order.sort(key=column.__getitem__)
    # Formatting is the costly part: only the candidates the trace shows get their facts.
    texts = [text for _, text in measures]
    ranked = [
        _new_ranked(Ranked, (candidates[index], ", ".join([text(index) for text in texts])))
        for index in order[:SHOWN]
    ]
    ranked += [_new_ranked(Ranked, (candidates[index], "")) for index in order[SHOWN:]]
    return ranked, skipped


_new_ranked = tuple.__new__  # Ranked(candidate, facts) without the Python-level __new__
Column = list[float]  # a key's value per candidate position (smaller ranks first)
Text = Callable[[int], str]  # a key's words for the trace, by candidate position


def _measure(
    key: RankKey,
    lookup: Lookup,
    ledger: Ledger,
    strategy: Strategy,
    candidates: Sequence[Candidate],
    units: Sequence[Unit],
    where: Address | None,
    country: str,
) -> tuple[Column, Text]:
    """The key's value for each candidate (smaller ranks first), and its words for the trace."""
    if key.by == "distance":
        assert where is not None and where.latitude is not None and where.longitude is not None
        lat, lon, band = where.latitude, where.longitude, key.band_km
        kms = lookup.distances_km(candidates, lat, lon)
        column: Column = [_LAST if km is None else (math.floor(km / band) if band else km) for km in kms]

        def distance_text(i: int) -> str:
            km = kms[i]
            return "no coordinates" if km is None else f"{km:,.0f} km"

        return column, distance_text
    if key.by == "priority":
        priorities = [c.settings.priority if c.settings is not None else None for c in candidates]

        def priority_text(i: int) -> str:
            priority = priorities[i]
            return "no priority" if priority is None else f"priority {priority}"

        return [_LAST if p is None else p for p in priorities], priority_text
    if key.by == "cost":
        amounts = [c.settings.cost_to(country) if c.settings is not None else None for c in candidates]

        def cost_text(i: int) -> str:
            amount = amounts[i]
            return "no cost" if amount is None else f"cost {amount:.2f}"

        return [_LAST if amount is None else amount for amount in amounts], cost_text
    load = lookup.snapshot.location_load
    if key.by == "load":
        sent = [load.get(c.location.id, 0) for c in candidates]
        return [float(n) for n in sent], lambda i: f"{sent[i]} sent today"
    items = {unit.item: unit.sku for unit in units}
    seen: dict[str, int] = {}

    def in_stock(c: Candidate) -> int:
        total = seen.get(c.location.id)
        if total is None:
            total = sum(unit.quantity for unit in units if unit.at(c.location.id))
            for item, sku in items.items():
                free = free_units(lookup.snapshot, ledger, item, c.location.id)
                total += max(usable(free, lookup.safety_stock(c, sku, strategy)), 0)
            seen[c.location.id] = total
        return total

    totals = [in_stock(c) for c in candidates]
    return [-float(total) for total in totals], lambda i: f"{totals[i]} in stock"
