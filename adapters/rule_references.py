"""Names in the rules that the configuration must know: stores, and each store's locations.

The engine checks a rule set on its own; whether `north-wind-uk.myshopify.com` is one of our
stores, or `Newark DC` one of its locations, only the configuration can say. Stores are named by
`store` conditions (strategies and holds) and by store-qualified locations; locations by
strategies, location groups and per-location settings. Every unknown name becomes a `RuleIssue`
at the place it is written, with the nearest known name as a hint.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from engine import Mark, RuleIssue, RuleSet
from engine.conditions import AllOf, AnyOf, Compare, Condition, Lines, Not
from engine.policy import LocationRef
from engine.reader import suggest
from engine.yamlsource import YMap, YNode, YScalar, YSeq, load_yaml


@dataclass(frozen=True)
class StoreLocations:
    """One store's locations as the configuration knows them: names, and GIDs when read live."""

    names: frozenset[str]
    ids: frozenset[str] = frozenset()

    def knows(self, reference: str) -> bool:
        return reference in self.names or reference in self.ids


@dataclass(frozen=True)
class _Use:
    """One name as written: where (the rule's origin), in which rule, and which stores it may mean."""

    origin: str
    subject: str
    ref: LocationRef
    scope: tuple[str, ...]  # for a ref without a store: the stores it may belong to; () = any


def stores_named(ruleset: RuleSet) -> set[str]:
    """Every shop domain the rules name: in `store` conditions and store-qualified locations."""
    conditions = [s.when for s in ruleset.strategies] + [h.when for h in ruleset.holds]
    named = {value for condition in conditions for value in _store_values(condition)}
    return named | {use.ref.store for use in _location_uses(ruleset) if use.ref.store}


def location_names(ruleset: RuleSet, store: str) -> set[str]:
    """The locations (names or GIDs) the rules may mean in `store`."""
    return {use.ref.location for use in _location_uses(ruleset) if use.ref.store in (None, store)}


def check_references(
    ruleset: RuleSet,
    files: Mapping[str, str],
    *,
    stores: Collection[str] | None,
    locations: Mapping[str, StoreLocations] | None,
) -> list[RuleIssue]:
    """Unknown stores (when `stores` is given) and unknown locations (when `locations` is)."""
    places = _Places(files)
    issues: list[RuleIssue] = []
    if stores is not None:
        issues.extend(_unknown_stores(ruleset, sorted(store.lower() for store in stores), places))
    if locations is not None:
        issues.extend(_unknown_locations(ruleset, locations, places))
    unique = {(str(i.mark), i.subject, i.message): i for i in issues}  # a name used twice in one rule
    return sorted(unique.values(), key=lambda i: (i.mark.file, i.mark.line, i.mark.column))


def _unknown_stores(ruleset: RuleSet, known: list[str], places: _Places) -> Iterator[RuleIssue]:
    for kind, rules in (("strategy", ruleset.strategies), ("hold", ruleset.holds)):
        for rule in rules:
            for store in sorted(set(_store_values(rule.when)) - set(known)):
                yield _unknown_store(places, rule.origin, f"{kind} {rule.id}", store, known)
    for use in _location_uses(ruleset):
        if use.ref.store and use.ref.store not in known:
            yield _unknown_store(places, use.origin, use.subject, use.ref.store, known)


def _unknown_locations(
    ruleset: RuleSet, locations: Mapping[str, StoreLocations], places: _Places
) -> Iterator[RuleIssue]:
    for use in _location_uses(ruleset):
        if use.ref.store is not None:
            if use.ref.store not in locations:
                continue  # an unknown store is reported as such (or its locations were not read)
            scope = [use.ref.store]
        else:
            scope = [store for store in use.scope if store in locations] or sorted(locations)
        if any(locations[store].knows(use.ref.location) for store in scope):
            continue
        where = scope[0] if len(scope) == 1 else f"any of {len(scope)} stores"
        names = sorted({name for store in scope for name in locations[store].names})
        yield RuleIssue(
            places.find(use.origin, use.ref.location),
            use.subject,
            f"location `{use.ref.location}` is not a location of {where}",
            suggest(use.ref.location, names),
        )


def _location_uses(ruleset: RuleSet) -> Iterator[_Use]:
    for strategy in ruleset.strategies:
        # A strategy limited to some stores by its conditions may only name their locations.
        scope = tuple(_required_stores(strategy.when))
        for entry in strategy.entries():
            if isinstance(entry, LocationRef):
                yield _Use(strategy.origin, f"strategy {strategy.id}", entry, scope)
    for group in ruleset.location_groups:
        for ref in group.locations:
            yield _Use(group.origin, f"location group {group.name}", ref, ())
    for settings in ruleset.location_settings:
        yield _Use(settings.origin, f"location {settings.ref.location}", settings.ref, ())


def _unknown_store(places: _Places, origin: str, subject: str, store: str, known: list[str]) -> RuleIssue:
    message = f"store `{store}` is not in the stores file"
    return RuleIssue(places.find(origin, store), subject, message, suggest(store, known))


def _store_values(condition: Condition | None) -> Iterator[str]:
    if isinstance(condition, Compare):
        if condition.field == "store":
            yield from (value.lower() for value in condition.values)
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.conditions:
            yield from _store_values(part)
    elif isinstance(condition, Not | Lines):
        yield from _store_values(condition.condition)


def _required_stores(condition: Condition | None) -> list[str]:
    """The stores a condition limits itself to (`store: x` or `store: {in: [...]}` at top level)."""
    parts = condition.conditions if isinstance(condition, AllOf) else (condition,)
    for part in parts:
        if isinstance(part, Compare) and part.field == "store" and part.op == "in":
            return [value.lower() for value in part.values]
    return []


class _Places:
    """Finds where a name is written inside a rule, to point the message at it."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self._files = files
        self._roots: dict[str, YNode | None] = {}

    def find(self, origin: str, value: str) -> Mark:
        mark = _mark(origin)
        if mark.file not in self._roots:
            text = self._files.get(mark.file)
            self._roots[mark.file] = load_yaml(mark.file, text)[0] if text is not None else None
        root = self._roots[mark.file]
        rule = _node_at(root, mark) if root is not None else None
        found = _scalar(rule, value) if rule is not None else None
        return found or mark


def _node_at(node: YNode, mark: Mark) -> YNode | None:
    """The node that starts at `mark`; for a mapping key (a group's name), the value under it."""
    if node.mark == mark and not isinstance(node, YScalar):
        return node
    if isinstance(node, YMap):
        for key, value in node.entries:
            if key.mark == mark:
                return value
    for child in _children(node):
        found = _node_at(child, mark)
        if found is not None:
            return found
    return None


def _scalar(node: YNode, value: str) -> Mark | None:
    if isinstance(node, YScalar):
        return node.mark if str(node.value).strip().lower() == value.lower() else None
    for child in _children(node):
        found = _scalar(child, value)
        if found is not None:
            return found
    return None


def _children(node: YNode) -> tuple[YNode, ...]:
    if isinstance(node, YSeq):
        return node.items
    if isinstance(node, YMap):
        return tuple(value for _, value in node.entries)
    return ()


def _mark(origin: str) -> Mark:
    file, line, column = origin.rsplit(":", 2)
    return Mark(file, int(line), int(column))
