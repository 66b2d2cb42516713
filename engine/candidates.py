"""Candidate locations of a strategy, and why one may not take a fulfillment order or a line.

A strategy's `locations:` names locations and groups; they resolve, in order, to the order's
own store's locations. A location of another store is traced and skipped (cross-store sourcing
comes with issue 5). Exclusions come in three kinds:
- Shopify's limits on a move (inactive, not fulfilling online orders, MOVE not offered, not
  among the locations Shopify lists for the fulfillment order); staying is always allowed;
- the rules' policy on sending work to a location (closed day, business hours, cut-off,
  daily capacity): it stops moves in, and keeps a fulfillment order Shopify assigned there
  from staying; one our stored decision already sent there stays, so that deciding again later
  in the day (after the cut-off, at full capacity) does not move it back out;
- restrictions (`refuses:`), which hold for every line, wherever it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from engine.allocation import Unit
from engine.clock import LocalTime, format_minute, parse_local_time
from engine.conditions import describe
from engine.evaluate import line_holds
from engine.intents import DECISION_METAFIELD_KEY, DECISION_METAFIELD_NAMESPACE
from engine.model import FulfillmentOrder, Location, Snapshot
from engine.policy import LocationGroup, LocationRef, LocationSettings
from engine.ruleset_model import RuleSet, Strategy

CROSS_STORE = "other store — cross-store sourcing comes with issue 5"
METAFIELD = f"{DECISION_METAFIELD_NAMESPACE}.{DECISION_METAFIELD_KEY}"


@dataclass(frozen=True)
class Candidate:
    location: Location
    position: int  # order written, after groups are expanded: the last tie-breaker
    settings: LocationSettings | None
    group: LocationGroup | None
    closed: str | None  # why the rules send nothing here now (a move in), or None
    ours: bool = False  # our stored decision already sent work here: what is here may stay

    @property
    def name(self) -> str:
        return self.location.name


@dataclass(frozen=True)
class Resolved:
    candidates: tuple[Candidate, ...]
    notes: tuple[tuple[str, str, str], ...]  # (subject, verdict, detail) for the trace


def resolve(snapshot: Snapshot, ruleset: RuleSet, strategy: Strategy) -> Resolved:
    """The strategy's candidates in the order written, each with its settings and group."""
    own = [loc for loc in snapshot.locations if loc.store == snapshot.store]
    local = parse_local_time(snapshot.local_time)
    candidates: list[Candidate] = []
    notes: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for ref, group in _entries(ruleset, strategy):
        if ref.store is not None and ref.store != snapshot.store.lower():
            notes.append((ref.label(), "skipped", CROSS_STORE))
            continue
        wanted = ref.location.casefold()
        location = next((loc for loc in own if loc.id == ref.location or loc.name.casefold() == wanted), None)
        if location is None:
            notes.append((ref.location, "not found", f"no such location in {snapshot.store}; ignored"))
            continue
        if location.id in seen:
            continue
        seen.add(location.id)
        settings = settings_for(ruleset, location)
        closed = policy_block(settings, strategy, local, snapshot.location_load.get(location.id, 0))
        ours = location.id in decided_destinations(snapshot)
        candidates.append(Candidate(location, len(candidates), settings, group, closed, ours))
    return Resolved(tuple(candidates), tuple(notes))


def _entries(ruleset: RuleSet, strategy: Strategy) -> list[tuple[LocationRef, LocationGroup | None]]:
    entries: list[tuple[LocationRef, LocationGroup | None]] = []
    for source in strategy.entries():
        if isinstance(source, LocationRef):
            entries.append((source, None))
            continue
        group = ruleset.group(source.group)
        entries.extend((ref, group) for ref in (group.locations if group else ()))
    return entries


def settings_for(ruleset: RuleSet, location: Location) -> LocationSettings | None:
    index = _settings_index(ruleset)
    store = location.store.lower()
    for key in ((store, location.id), (store, location.name.casefold()), (None, location.id)):
        if key in index:
            return index[key]
    return index.get((None, location.name.casefold()))


_INDEXES: dict[str, dict[tuple[str | None, str], LocationSettings]] = {}


def _settings_index(ruleset: RuleSet) -> dict[tuple[str | None, str], LocationSettings]:
    """Settings by (store or None, GID or lower-case name), built once per rule-set version."""
    index = _INDEXES.get(ruleset.version) if ruleset.version else None
    if index is None:
        index = {}
        for settings in ruleset.location_settings:
            ref = settings.ref
            key = ref.location if ref.location.startswith("gid://") else ref.location.casefold()
            index[(ref.store, key)] = settings
        if ruleset.version:
            _INDEXES[ruleset.version] = index
    return index


def policy_block(
    settings: LocationSettings | None, strategy: Strategy, local: LocalTime | None, load: int
) -> str | None:
    """Why the rules send nothing to this location now, or None."""
    if settings is None:
        return None
    ignore = strategy.ignore
    if settings.daily_capacity is not None and "capacity" not in ignore and load >= settings.daily_capacity:
        return f"capacity {load}/{settings.daily_capacity} today"
    if local is None:
        return None
    if "closed_days" not in ignore and local.day.isoformat() in settings.closed_on:
        return f"closed on {local.day.isoformat()} (calendar)"
    code = local.weekday_code
    if settings.hours is not None and "business_hours" not in ignore:
        today = next((d.open for d in settings.hours if d.day == code), ())
        if not today:
            return f"closed on {local.weekday_name}"
        if not any(start <= local.minute < end for start, end in today):
            spans = ", ".join(f"{format_minute(a)}-{format_minute(b)}" for a, b in today)
            return f"outside business hours ({local.weekday_name[:3]} {spans})"
    cutoff = next((c.minute for c in settings.cutoffs if c.day == code), None)
    if cutoff is not None and "cutoff" not in ignore and local.minute >= cutoff:
        return f"after the {format_minute(cutoff)} cut-off"
    return None


def needs_local_time(ruleset: RuleSet) -> bool:
    return any(s.hours is not None or s.cutoffs or s.closed_on for s in ruleset.location_settings)


def decided_destinations(snapshot: Snapshot) -> frozenset[str]:
    """Locations the decision stored on the order (its metafield) sent fulfillment orders to."""
    return _destinations(snapshot.order.metafields.get(METAFIELD))


@lru_cache(maxsize=256)
def _destinations(stored: str | None) -> frozenset[str]:
    try:
        document = json.loads(stored) if stored else {}
    except ValueError:
        return frozenset()
    found: set[str] = set()
    for entry in document.get("fulfillment_orders") or () if isinstance(document, dict) else ():
        if isinstance(entry, dict):
            found.update(
                str(e["to"])
                for e in [entry, *(entry.get("parts") or ())]
                if isinstance(e, dict) and e.get("to")
            )
    return frozenset(found)


def move_block(candidate: Candidate, fo: FulfillmentOrder) -> str | None:
    """Why `fo` may not go to (or stay at) the candidate, or None."""
    location = candidate.location
    if fo.assigned_location_id == location.id:
        return None if candidate.ours else candidate.closed
    if not location.is_active:
        return "inactive"
    if not location.fulfills_online_orders:
        return "does not fulfil online orders"
    label = f"FO {fo.id.rsplit('/', 1)[-1]}"
    if fo.supported_actions and "MOVE" not in fo.supported_actions:
        return f"{label} cannot be moved (no MOVE among its supported actions)"
    if fo.movable_to is not None and location.id not in fo.movable_to:
        return f"Shopify does not list it among the locations {label} can move to"
    return candidate.closed


def refusal(candidate: Candidate, unit: Unit, strategy: Strategy) -> str | None:
    settings = candidate.settings
    if settings is None or settings.refuses is None or "restrictions" in strategy.ignore:
        return None
    if line_holds(settings.refuses, unit.line):
        return f"does not ship {unit.sku} (refuses {describe(settings.refuses)})"
    return None


def safety_stock(candidate: Candidate, sku: str, strategy: Strategy) -> int:
    """Most specific first: the group's per-SKU, the location's per-SKU, the group's, the location's."""
    if "safety_stock" in strategy.ignore:
        return 0
    wanted = sku.casefold()
    group, settings = candidate.group, candidate.settings
    for source in (group, settings):
        if source is not None:
            for amount in source.safety_stock_by_sku:
                if amount.sku.casefold() == wanted:
                    return amount.units
    for source in (group, settings):
        if source is not None and source.safety_stock is not None:
            return source.safety_stock
    return 0
