"""What a rule set needs at every decision, worked out once per rule-set version.

Descriptions of conditions for the trace, the stores each strategy is limited to, location
settings by name and GID, line conditions as Python predicates, and calendars with their words
for the trace. Decisions look these up; nothing here depends on an order (`policy_block` reads a
calendar at the time and load a decision gives it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from engine.clock import WEEKDAY_NAMES, WEEKDAYS, LocalTime, format_minute
from engine.conditions import AllOf, Compare, Condition, describe
from engine.evaluate import line_predicate
from engine.model import FulfillmentOrderLine
from engine.policy import LocationSettings
from engine.ruleset_model import RuleSet, Strategy, ruleset_version

LinePredicate = Callable[[FulfillmentOrderLine], bool]


@dataclass(frozen=True)
class Day:
    """A calendar's rules for one weekday, with the trace's words for them written once."""

    spans: tuple[tuple[int, int], ...]  # business hours (none: closed that day, if hours are set)
    closed: str  # "closed on Monday"
    outside: str  # "outside business hours (Mon 09:00-20:00)"
    cutoff: int | None
    after: str  # "after the 14:00 cut-off"


@dataclass(frozen=True)
class Calendar:
    """A location's time rules, indexed by weekday code; `days` by weekday number (0 = Monday)."""

    closed_on: frozenset[str]
    hours: dict[str, tuple[tuple[int, int], ...]] | None  # None: no business hours
    cutoffs: dict[str, int]
    capacity: int | None = None  # daily capacity: orders sent there a day
    days: tuple[Day, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        days = []
        for code, name in zip(WEEKDAYS, WEEKDAY_NAMES, strict=True):
            spans = self.hours.get(code, ()) if self.hours is not None else ()
            shown = ", ".join(f"{format_minute(a)}-{format_minute(b)}" for a, b in spans)
            cutoff = self.cutoffs.get(code)
            after = f"after the {format_minute(cutoff)} cut-off" if cutoff is not None else ""
            days.append(
                Day(spans, f"closed on {name}", f"outside business hours ({name[:3]} {shown})", cutoff, after)
            )
        object.__setattr__(self, "days", tuple(days))


@dataclass(frozen=True)
class Catalog:
    descriptions: tuple[str, ...]  # per strategy: its `when:` in words ("" without one)
    ids: tuple[str, ...]  # per strategy: its id
    subjects: tuple[str, ...]  # per strategy: "strategy <id>", as the trace names it
    stores: tuple[frozenset[str] | None, ...]  # per strategy: the stores it is limited to, if any
    settings: dict[tuple[str | None, str], LocationSettings]  # (store or None, GID or lower name)
    # settings origin -> the predicate of its `refuses:` (locations refusing alike share one)
    refuses: dict[str, LinePredicate]
    calendars: dict[str, Calendar]  # settings origin -> its time rules
    # (store, GID, name) -> settings: locations keep their ids and names between decisions.
    found: dict[tuple[str, str, str], LocationSettings | None] = field(default_factory=dict)
    # settings origin -> its `refuses:` in words
    described: dict[str, str] = field(default_factory=dict)
    # store -> (strategies that may apply there, strategies limited to other stores), by index
    by_store: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)

    def strategies_for(self, store: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Indexes of the strategies that may apply in `store`, and of those for other stores."""
        found = self.by_store.get(store)
        if found is None:
            here = [stores is None or store in stores for stores in self.stores]
            own = tuple(i for i, applies in enumerate(here) if applies)
            others = tuple(i for i, applies in enumerate(here) if not applies)
            found = self.by_store[store] = (own, others)
        return found

    def settings_of(self, store: str, location_id: str, name: str) -> LocationSettings | None:
        key = (store, location_id, name)
        if key not in self.found:
            folded = name.casefold()
            keys = ((store, location_id), (store, folded), (None, location_id), (None, folded))
            self.found[key] = next((self.settings[k] for k in keys if k in self.settings), None)
        return self.found[key]


_CATALOGS: dict[str, Catalog] = {}


def catalog(ruleset: RuleSet) -> Catalog:
    key = ruleset.version or ruleset_version(ruleset)
    found = _CATALOGS.get(key)
    if found is None:
        found = _build(ruleset)
        _CATALOGS[key] = found
    return found


def _build(ruleset: RuleSet) -> Catalog:
    settings: dict[tuple[str | None, str], LocationSettings] = {}
    refuses: dict[str, LinePredicate] = {}
    predicates: dict[Condition, LinePredicate] = {}  # one per distinct `refuses:`, shared
    calendars: dict[str, Calendar] = {}
    for entry in ruleset.location_settings:
        calendars[entry.origin] = Calendar(
            frozenset(entry.closed_on),
            None if entry.hours is None else {d.day: d.open for d in entry.hours},
            {c.day: c.minute for c in entry.cutoffs},
            entry.daily_capacity,
        )
        ref = entry.ref
        name = ref.location if ref.location.startswith("gid://") else ref.location.casefold()
        settings[(ref.store, name)] = entry
        if entry.refuses is not None:
            predicate = predicates.get(entry.refuses)
            if predicate is None:
                predicate = predicates[entry.refuses] = line_predicate(entry.refuses)
            refuses[entry.origin] = predicate
    return Catalog(
        descriptions=tuple(describe(s.when) if s.when is not None else "" for s in ruleset.strategies),
        ids=tuple(s.id for s in ruleset.strategies),
        subjects=tuple(f"strategy {s.id}" for s in ruleset.strategies),
        stores=tuple(required_stores(s) for s in ruleset.strategies),
        settings=settings,
        refuses=refuses,
        calendars=calendars,
    )


def required_stores(strategy: Strategy) -> frozenset[str] | None:
    """The stores a strategy's top-level `store:` (or `store: {in: …}`) limits it to."""
    condition: Condition | None = strategy.when
    parts = condition.conditions if isinstance(condition, AllOf) else (condition,)
    for part in parts:
        if isinstance(part, Compare) and part.field == "store" and part.op in ("in", "equals"):
            return frozenset(part.values)
    return None


def policy_block(
    calendar: Calendar | None, ignore: tuple[str, ...], local: LocalTime | None, load: int
) -> str | None:
    """Why the rules send nothing to this location now (unless `ignore`d), or None."""
    if calendar is None:
        return None
    capacity = calendar.capacity
    if capacity is not None and load >= capacity and "capacity" not in ignore:
        return f"capacity {load}/{capacity} today"
    if local is None:
        return None
    if calendar.closed_on and local.iso_day in calendar.closed_on and "closed_days" not in ignore:
        return f"closed on {local.iso_day} (calendar)"
    day = calendar.days[local.weekday]
    if calendar.hours is not None and "business_hours" not in ignore:
        if not day.spans:
            return day.closed
        minute = local.minute
        if not any(start <= minute < end for start, end in day.spans):
            return day.outside
    if day.cutoff is not None and local.minute >= day.cutoff and "cutoff" not in ignore:
        return day.after
    return None
