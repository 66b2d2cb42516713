"""Candidate locations of a strategy, and why one may not take a fulfillment order or a line.

A strategy's `locations:` names locations and groups; they resolve, in order, to the order's
own store's locations. A location of another store resolves to its stand-in in this store (a
hand-off, see `engine.vendors`), or is traced and skipped when there is none. Exclusions come in
three kinds:
- Shopify's limits on a move (inactive, not fulfilling online orders, MOVE not offered, not
  among the locations Shopify lists for the fulfillment order); staying is always allowed;
- the rules' policy on sending work to a location (closed day, business hours, cut-off,
  daily capacity): it stops moves in, and keeps a fulfillment order Shopify assigned there
  from staying; one our stored decision already sent there stays, so that deciding again later
  in the day (after the cut-off, at full capacity) does not move it back out;
- restrictions (`refuses:`), which hold for every line, wherever it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.allocation import Unit
from engine.catalog import Calendar, LinePredicate, catalog, policy_block
from engine.clock import parse_local_time
from engine.conditions import describe
from engine.mobility import Mobility
from engine.model import FulfillmentOrder, Location, Snapshot
from engine.policy import LocationGroup, LocationRef, LocationSettings
from engine.ruleset_model import RuleSet, Strategy
from engine.summary import decided_destinations
from engine.vendor_lines import refusal_key, refusals

EARTH_RADIUS_KM = 6371.0088
CROSS_STORE = "other store — no stand-in location for it in this store (stores file `stand_ins`)"
_UNKNOWN: Any = object()  # not worked out yet (None is an answer)
_NO_SAFETY: tuple[dict[str, int], int] = ({}, 0)  # never written to: an empty table is not stored


class Candidate:
    """A location as one strategy sees it; candidates come in a list, in the order written.

    What does not change between decisions (the location, its settings and group, why it never
    takes moves, its safety stock, its coordinates) is worked out once per rule set and store;
    `closed` (why the rules send nothing there now, or None) and `ours` depend on the decision
    (`now`).
    """

    __slots__ = (
        "barred",
        "closed",
        "group",
        "id",
        "location",
        "name",
        "ours",
        "place",
        "refuses",
        "safety",
        "settings",
    )

    def __init__(
        self,
        location: Location,
        settings: LocationSettings | None,
        group: LocationGroup | None,
        closed: str | None = None,
        ours: bool = False,
        refuses: LinePredicate | None = None,
    ) -> None:
        self.location = location
        self.id = location.id
        self.name = location.name
        self.settings = settings
        self.group = group
        self.closed = closed
        self.ours = ours  # our stored decision already sent work here: what is here may stay
        # Why Shopify never moves anything here (the location's own state), or None.
        self.barred = (
            "inactive"
            if not location.is_active
            else None
            if location.fulfills_online_orders
            else "does not fulfil online orders"
        )
        self.refuses = refuses  # its `refuses:` as a line predicate
        self.safety = _NO_SAFETY if group is None and settings is None else safety_table(group, settings)
        # (latitude in radians, its cosine, longitude in degrees) for distances, or None.
        address = location.address
        latitude, longitude = address.latitude, address.longitude
        self.place = (
            None
            if latitude is None or longitude is None
            else (math.radians(latitude), math.cos(math.radians(latitude)), longitude)
        )

    def now(self, closed: str | None, ours: bool) -> Candidate:
        """This candidate in one decision: itself when open and not ours (most are), else a copy."""
        if closed is None and not ours:
            return self
        made = Candidate.__new__(Candidate)
        for name in Candidate.__slots__:
            setattr(made, name, getattr(self, name))
        made.closed, made.ours = closed, ours
        return made

    def __repr__(self) -> str:
        return f"Candidate({self.location.name!r}, group={self.group.name if self.group else None!r})"


class Resolved(NamedTuple):
    candidates: tuple[Candidate, ...]
    notes: tuple[tuple[str, str, str], ...]  # (subject, verdict, detail) for the trace


class Lookup:
    """One decision's view of the locations: by name and GID, with settings and memos.

    Several strategies name the same locations; what does not depend on the strategy (the
    location, its settings, its policy block, what it refuses) is worked out once.
    """

    __slots__ = (
        "_candidates",
        "_distances",
        "_load",
        "_mobility",
        "_places",
        "_policy",
        "_refusals",
        "catalog",
        "checks",
        "local",
        "ours",
        "ruleset",
        "snapshot",
        "store",
        "vendor_refusals",
    )

    def __init__(self, snapshot: Snapshot, ruleset: RuleSet) -> None:
        self.snapshot = snapshot
        self.ruleset = ruleset
        self.catalog = catalog(ruleset)
        self.store = snapshot.store.lower()
        self.local = parse_local_time(snapshot.local_time)
        self.ours = decided_destinations(snapshot)
        self._places: _Places | None = None
        self._policy: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._refusals: dict[tuple[LinePredicate, str], str | None] = {}
        self._candidates: dict[tuple[str, str, tuple[str, ...]], Candidate] = {}
        self._mobility: dict[str, Mobility] = {}
        self._load = snapshot.location_load
        self._distances: dict[tuple[float, float], dict[str, Any]] = {}  # destination -> location id -> km
        self.checks: dict[Any, Any] = {}  # ship-complete checks by what they depend on
        self.vendor_refusals = refusals(snapshot)

    def places(self) -> _Places:
        """The store's locations by name and GID, shared by decisions that see the same ones."""
        if self._places is None:
            self._places = places_of(self.ruleset.version, self.snapshot)
        return self._places

    def by_id(self, location_id: str) -> Location | None:
        """Any location of the snapshot by GID (other stores' too)."""
        places = self.places()
        if places.by_id is None:
            places.by_id = {loc.id: loc for loc in places.locations}
        return places.by_id.get(location_id)

    def location(self, ref: LocationRef) -> Location | None:
        by_key = self.places().by_key
        return by_key.get(ref.location) or by_key.get(ref.location.casefold())

    def settings(self, location: Location) -> LocationSettings | None:
        return self.catalog.settings_of(self.store, location.id, location.name)

    def policy(self, location_id: str, calendar: Calendar | None, ignore: tuple[str, ...]) -> str | None:
        """Why the rules send nothing to the location now (`policy_block`), once per decision."""
        key = (location_id, ignore)
        policy = self._policy
        if key in policy:
            return policy[key]
        load = self._load.get(location_id, 0)
        found = policy[key] = policy_block(calendar, ignore, self.local, load)
        return found

    def mobility(self, fo: FulfillmentOrder) -> Mobility:
        found = self._mobility.get(fo.id)
        if found is None:
            found = self._mobility[fo.id] = Mobility(fo)
        return found

    def distances_km(
        self, candidates: Sequence[Candidate], latitude: float, longitude: float
    ) -> list[float | None]:
        """Great-circle distance of each candidate from a destination (None: no coordinates);
        the destination's sine and cosine are worked out once, the candidates' were already."""
        known = self._distances.get((latitude, longitude))
        if known is None:
            known = self._distances[(latitude, longitude)] = {}
        found: list[float | None] = []
        p1 = math.radians(latitude)
        cos_p1 = math.cos(p1)
        for candidate in candidates:
            km = known.get(candidate.id, _UNKNOWN)
            if km is _UNKNOWN:
                if candidate.place is None:
                    km = None
                else:  # haversine_km(latitude, longitude, the candidate's latitude and longitude)
                    p2, cos_p2, lon2 = candidate.place
                    dp, dl = p2 - p1, math.radians(lon2 - longitude)
                    a = math.sin(dp / 2) ** 2 + cos_p1 * cos_p2 * math.sin(dl / 2) ** 2
                    km = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))
                known[candidate.id] = km
            found.append(km)
        return found

    def safety_stock(self, candidate: Candidate, sku: str, strategy: Strategy) -> int:
        if "safety_stock" in strategy.ignore:
            return 0
        by_sku, default = self.safety_table(candidate)
        return by_sku.get(sku.casefold(), default) if by_sku else default

    def safety_table(self, candidate: Candidate) -> tuple[dict[str, int], int]:
        """The candidate's safety stock per lower-case SKU, and for any other SKU."""
        return candidate.safety

    def refusal(self, candidate: Candidate, unit: Unit, strategy: Strategy) -> str | None:
        """Why the candidate never ships this line (`refuses:`, or a vendor's refusal), or None."""
        if self.vendor_refusals:
            by_vendor = self.vendor_refusals.get((candidate.id, refusal_key(unit)))
            if by_vendor is not None:
                return by_vendor
        refuses = candidate.refuses
        if refuses is None or "restrictions" in strategy.ignore:
            return None
        key = (refuses, unit.line_id)  # locations that refuse alike share the predicate and words
        found: str | None = self._refusals.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = None
            if refuses(unit.line):
                settings = candidate.settings
                assert settings is not None and settings.refuses is not None  # it has a predicate
                said = self.catalog.described.get(settings.origin)
                if said is None:
                    said = self.catalog.described[settings.origin] = describe(settings.refuses)
                found = f"does not ship {unit.sku} (refuses {said})"
            self._refusals[key] = found
        return found


@dataclass
class _Places:
    """One store's locations (kept alive: the cache key holds their ids) and, per strategy, the
    locations its `locations:` resolve to there, with the group each came from."""

    locations: tuple[Location, ...]
    by_key: dict[str, Location]
    resolved: dict[int, _Static]
    by_id: dict[str, Location] | None = None


Note = tuple[str, str, str]  # (subject, verdict, detail) for the trace
# Per strategy, in the order written: the candidate as it is when open and not ours, its
# calendar (None without settings) and its key among the decision's candidates.
_Entry = tuple[Candidate, "Calendar | None", tuple[str, str, tuple[str, ...]]]
_Static = tuple[tuple[_Entry, ...], tuple[Note, ...]]
_PLACES: dict[tuple[str, str, tuple[int, ...], tuple[str, ...]], _Places] = {}
_MAX_PLACES = 64


def places_of(version: str, snapshot: Snapshot) -> _Places:
    """Decisions on the same Location objects (the service caches a store's locations) share
    their index; a snapshot read afresh simply builds its own."""
    stand_ins = tuple(v.id for v in snapshot.vendors if v.kind == "store")  # they resolve refs too
    key = (version, snapshot.store, tuple(map(id, snapshot.locations)), stand_ins)
    found = _PLACES.get(key)
    if found is None:
        own = [loc for loc in snapshot.locations if loc.store == snapshot.store]
        by_key = {loc.name.casefold(): loc for loc in reversed(own)} | {loc.id: loc for loc in own}
        found = _Places(snapshot.locations, by_key, {})
        if version:
            if len(_PLACES) >= _MAX_PLACES:
                del _PLACES[next(iter(_PLACES))]
            _PLACES[key] = found
    return found


def _stand_in(lookup: Lookup, ref: LocationRef) -> Location | None:
    """The location of this store that stands for `ref` (a location of another store), if any."""
    wanted = ref.location.casefold()
    for source in lookup.snapshot.vendors:
        if source.kind != "store" or (source.store or "").lower() != (ref.store or "").lower():
            continue
        if wanted in ((source.remote_name or "").casefold(), (source.remote_location_id or "").casefold()):
            return lookup.by_id(source.location_id)
    return None


def resolve(lookup: Lookup, strategy: Strategy, index: int) -> Resolved:
    """The strategy's candidates in the order written, each with its settings and group."""
    places = lookup.places()
    static = places.resolved.get(index)
    if static is None:
        static = places.resolved[index] = _resolve_static(lookup, strategy)
    entries, notes = static
    made = lookup._candidates
    candidates = []
    for template, calendar, key in entries:
        found = made.get(key)
        if found is None:
            location_id = key[0]
            closed = lookup.policy(location_id, calendar, key[2]) if calendar is not None else None
            found = made[key] = template.now(closed, location_id in lookup.ours)
        candidates.append(found)
    return Resolved(tuple(candidates), notes)


def _resolve_static(lookup: Lookup, strategy: Strategy) -> _Static:
    entries: list[_Entry] = []
    notes: list[Note] = []
    seen: set[str] = set()
    catalog = lookup.catalog
    for ref, group in _entries(lookup.ruleset, strategy):
        location = lookup.location(ref) if ref.store is None or ref.store == lookup.store else None
        if ref.store is not None and ref.store != lookup.store:
            location = _stand_in(lookup, ref)
            if location is None:
                notes.append((ref.label(), "skipped", CROSS_STORE))
                continue
        if location is None:
            notes.append((ref.location, "not found", f"no such location in {lookup.snapshot.store}; ignored"))
            continue
        if location.id not in seen:
            seen.add(location.id)
            key = (location.id, group.name if group is not None else "", strategy.ignore)
            settings = lookup.settings(location)
            calendar = catalog.calendars[settings.origin] if settings is not None else None
            refuses = catalog.refuses.get(settings.origin) if settings is not None else None
            template = Candidate(location, settings, group, refuses=refuses)
            entries.append((template, calendar, key))
    return tuple(entries), tuple(notes)


def _entries(ruleset: RuleSet, strategy: Strategy) -> list[tuple[LocationRef, LocationGroup | None]]:
    entries: list[tuple[LocationRef, LocationGroup | None]] = []
    for source in strategy.entries():
        if isinstance(source, LocationRef):
            entries.append((source, None))
            continue
        group = ruleset.group(source.group)
        entries.extend((ref, group) for ref in (group.locations if group else ()))
    return entries


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def needs_local_time(ruleset: RuleSet) -> bool:
    return any(s.hours is not None or s.cutoffs or s.closed_on for s in ruleset.location_settings)


def safety_table(
    group: LocationGroup | None, settings: LocationSettings | None
) -> tuple[dict[str, int], int]:
    """Safety stock per lower-case SKU, and for any other SKU; the most specific wins:
    the group's per-SKU, the location's per-SKU, the group's, the location's."""
    by_sku: dict[str, int] = {}
    for source in (settings, group):  # later wins: the group's per-SKU over the location's
        if source is not None:
            by_sku.update({amount.sku.casefold(): amount.units for amount in source.safety_stock_by_sku})
    default = 0
    for source in (group, settings):
        if source is not None and source.safety_stock is not None:
            default = source.safety_stock
            break
    return by_sku, default
