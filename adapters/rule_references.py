"""Names in the rules that the configuration must know: stores, and each store's locations.

The engine checks a rule set on its own; whether `north-wind-uk.myshopify.com` is one of our
stores, or `Newark DC` one of its locations, only the configuration can say. Every unknown
name becomes a `RuleIssue` at the place it is written, with the nearest known name as a hint.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from engine import Mark, RuleIssue, RuleSet, Strategy
from engine.conditions import AllOf, AnyOf, Compare, Condition, Not
from engine.reader import suggest
from engine.yamlsource import YMap, YNode, YScalar, YSeq, load_yaml


@dataclass(frozen=True)
class StoreLocations:
    """One store's locations as the configuration knows them: names, and GIDs when read live."""

    names: frozenset[str]
    ids: frozenset[str] = frozenset()

    def knows(self, reference: str) -> bool:
        return reference in self.names or reference in self.ids


def stores_named(ruleset: RuleSet) -> set[str]:
    """Every shop domain a `store` condition names, anywhere in any strategy."""
    return {value for strategy in ruleset.strategies for value in _store_values(strategy.when)}


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
    known_stores = sorted(store.lower() for store in stores) if stores is not None else None
    for strategy in ruleset.strategies:
        subject = f"strategy {strategy.id}"
        if known_stores is not None:
            for store in sorted(set(_store_values(strategy.when)) - set(known_stores)):
                issues.append(
                    RuleIssue(
                        places.find(strategy, store),
                        subject,
                        f"store `{store}` is not in the stores file",
                        suggest(store, known_stores),
                    )
                )
        if locations is not None:
            issues.extend(_unknown_locations(strategy, locations, places))
    return sorted(issues, key=lambda i: (i.mark.file, i.mark.line, i.mark.column))


def _unknown_locations(
    strategy: Strategy, locations: Mapping[str, StoreLocations], places: _Places
) -> Iterator[RuleIssue]:
    # A strategy limited to some stores by its top-level conditions may only name their locations;
    # otherwise a location of any configured store will do.
    scope = [store for store in _required_stores(strategy.when) if store in locations] or sorted(locations)
    names = sorted({name for store in scope for name in locations[store].names})
    where = scope[0] if len(scope) == 1 else f"any of {len(scope)} stores"
    for reference in strategy.locations:
        if not any(locations[store].knows(reference) for store in scope):
            yield RuleIssue(
                places.find(strategy, reference, under="locations"),
                f"strategy {strategy.id}",
                f"location `{reference}` is not a location of {where}",
                suggest(reference, names),
            )


def _store_values(condition: Condition | None) -> Iterator[str]:
    if isinstance(condition, Compare):
        if condition.field == "store":
            yield from (value.lower() for value in condition.values)
    elif isinstance(condition, AllOf | AnyOf):
        for part in condition.conditions:
            yield from _store_values(part)
    elif isinstance(condition, Not):
        yield from _store_values(condition.condition)


def _required_stores(condition: Condition | None) -> list[str]:
    """The stores a condition limits itself to (`store: x` or `store: {in: [...]}` at top level)."""
    parts = condition.conditions if isinstance(condition, AllOf) else (condition,)
    for part in parts:
        if isinstance(part, Compare) and part.field == "store" and part.op == "in":
            return [value.lower() for value in part.values]
    return []


class _Places:
    """Finds where a name is written inside a strategy, to point the message at it."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self._files = files
        self._roots: dict[str, YNode | None] = {}

    def find(self, strategy: Strategy, value: str, *, under: str | None = None) -> Mark:
        origin = _mark(strategy.origin)
        node = self._node_at(origin)
        if isinstance(node, YMap) and under is not None:
            node = node.get(under) or node
        found = _scalar(node, value) if node is not None else None
        return found or origin

    def _node_at(self, mark: Mark) -> YNode | None:
        if mark.file not in self._roots:
            text = self._files.get(mark.file)
            self._roots[mark.file] = load_yaml(mark.file, text)[0] if text is not None else None
        root = self._roots[mark.file]
        return _descend(root, mark) if root is not None else None


def _descend(node: YNode, mark: Mark) -> YNode | None:
    if node.mark == mark and isinstance(node, YMap):
        return node
    children: tuple[YNode, ...] = ()
    if isinstance(node, YMap):
        children = tuple(value for _, value in node.entries)
    elif isinstance(node, YSeq):
        children = node.items
    for child in children:
        found = _descend(child, mark)
        if found is not None:
            return found
    return None


def _scalar(node: YNode, value: str) -> Mark | None:
    if isinstance(node, YScalar):
        return node.mark if str(node.value).strip().lower() == value.lower() else None
    children = node.items if isinstance(node, YSeq) else tuple(v for _, v in node.entries)
    for child in children:
        found = _scalar(child, value)
        if found is not None:
            return found
    return None


def _mark(origin: str) -> Mark:
    file, line, column = origin.rsplit(":", 2)
    return Mark(file, int(line), int(column))
