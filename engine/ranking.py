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
from dataclasses import dataclass

from engine.allocation import Ledger, Unit, free_units, usable
from engine.candidates import Candidate, safety_stock
from engine.model import Address, FulfillmentOrder, Snapshot
from engine.policy import RankKey
from engine.ruleset_model import Strategy

EARTH_RADIUS_KM = 6371.0088
_LAST = math.inf


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    facts: str  # "412 km, priority 2": what the ranking saw, for the trace


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


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
    snapshot: Snapshot,
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
    where = destination(snapshot, fos)
    country = country_of(snapshot, fos)
    skipped = ""
    keys: list[RankKey] = []
    for key in strategy.rank:
        if key.by == "distance" and where is None:
            skipped = "the destination has no coordinates: distance not used, the next tie-breaker decides"
            continue
        keys.append(key)
    measures: list[Callable[[Candidate], tuple[float, str]]] = []
    for key in keys:
        measures.append(_measure(key, snapshot, ledger, strategy, units, where, country))
    scored: list[tuple[tuple[float, ...], Candidate, str]] = []
    for candidate in candidates:
        values = [measure(candidate) for measure in measures]
        order = tuple(v for v, _ in values) + (float(candidate.position),)
        scored.append((order, candidate, ", ".join(text for _, text in values)))
    scored.sort(key=lambda entry: entry[0])
    return [Ranked(candidate, facts) for _, candidate, facts in scored], skipped


def _measure(
    key: RankKey,
    snapshot: Snapshot,
    ledger: Ledger,
    strategy: Strategy,
    units: Sequence[Unit],
    where: Address | None,
    country: str,
) -> Callable[[Candidate], tuple[float, str]]:
    if key.by == "distance":
        assert where is not None and where.latitude is not None and where.longitude is not None
        lat, lon = where.latitude, where.longitude
        band = key.band_km

        def distance(c: Candidate) -> tuple[float, str]:
            address = c.location.address
            if address.latitude is None or address.longitude is None:
                return _LAST, "no coordinates"
            km = haversine_km(lat, lon, address.latitude, address.longitude)
            return (math.floor(km / band) if band else km), f"{km:,.0f} km"

        return distance
    if key.by == "priority":
        return lambda c: _optional(c.settings.priority if c.settings else None, "priority {}", "no priority")
    if key.by == "cost":
        return lambda c: _optional(
            c.settings.cost_to(country) if c.settings else None, "cost {:.2f}", "no cost"
        )
    if key.by == "load":

        def load(c: Candidate) -> tuple[float, str]:
            count = snapshot.location_load.get(c.location.id, 0)
            return float(count), f"{count} sent today"

        return load

    items = {unit.item: unit.sku for unit in units}

    def stock(c: Candidate) -> tuple[float, str]:
        total = sum(unit.quantity for unit in units if unit.at(c.location.id))
        for item, sku in items.items():
            free = free_units(snapshot, ledger, item, c.location.id)
            total += max(usable(free, safety_stock(c, sku, strategy)), 0)
        return -float(total), f"{total} in stock"

    return stock


def _optional(value: float | None, shown: str, missing: str) -> tuple[float, str]:
    return (_LAST, missing) if value is None else (float(value), shown.format(value))
