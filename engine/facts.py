"""The flat fact durable_rules sees for one fulfillment order.

A fact carries exactly the properties the compiled rules read (see `FactSchema`): text fields
as normalised strings (empty when Shopify gives none, so no rule needs an existence test),
numbers with a `<field>__set` flag, and one boolean per Python-evaluated test (tag sets,
patterns, substrings, line conditions). Its size therefore depends on the rules, never on the
order. `FactBuilder` prepares the readers once per rule set; facts are built per decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.compiler import ANCHOR_PROPERTY, ANCHOR_VALUE, FactSchema, Flag
from engine.conditions import Compare, spec_for
from engine.evaluate import comparer, lines_predicate
from engine.fields import Value
from engine.model import FulfillmentOrder, Snapshot

Fact = dict[str, str | bool | int | float]
_Reader = Callable[[Snapshot, FulfillmentOrder], Value]


class FactBuilder:
    """Builds facts of one schema; each field is read once per fulfillment order."""

    def __init__(self, schema: FactSchema, definition: dict[str, Any] | None = None) -> None:
        self._named_texts, self._named_numbers = _constants(definition or {})
        self._texts = [(schema.text_props[name], _reader(name)) for name in schema.text_fields]
        self._numbers = [(n.prop, n.set_prop, _reader(n.field)) for n in schema.numbers]
        self._flags = [(flag.prop, _evaluator(flag)) for flag in schema.flags]
        # What `key_of` compares each value with: the texts the rules name, the numbers' cuts.
        self._anchor_key = self.key({ANCHOR_PROPERTY: ANCHOR_VALUE})
        self._text_keys = [(self._named_texts.get(prop), read) for prop, read in self._texts]
        self._number_keys = [(self._named_numbers.get(prop), read) for prop, _, read in self._numbers]

    def build(self, snapshot: Snapshot, fo: FulfillmentOrder) -> Fact:
        fact: Fact = {ANCHOR_PROPERTY: ANCHOR_VALUE}
        for prop, read in self._texts:
            value = read(snapshot, fo)
            fact[prop] = value if isinstance(value, str) else ""
        for prop, set_prop, read in self._numbers:
            number = read(snapshot, fo)
            present = isinstance(number, int | float) and not isinstance(number, bool)
            fact[prop] = float(number) if present and isinstance(number, int | float) else 0.0
            fact[set_prop] = present
        if self._flags:
            seen: dict[str, Value] = {}
            for prop, evaluate in self._flags:
                fact[prop] = evaluate(snapshot, fo, seen)
        return fact

    def key_of(self, snapshot: Snapshot, fo: FulfillmentOrder) -> tuple[Any, ...]:
        """`key(build(snapshot, fo))` without building the fact: most orders' keys are remembered,
        so the fact itself is built only for the few that durable_rules must be asked about."""
        key: list[Any] = list(self._anchor_key)
        append = key.append
        for named, read in self._text_keys:
            value = read(snapshot, fo)
            text = value if isinstance(value, str) else ""
            append(text if named is not None and text in named else None)
        for cuts, read in self._number_keys:
            number = read(snapshot, fo)
            present = isinstance(number, int | float) and not isinstance(number, bool)
            if cuts:
                value = float(number) if present and isinstance(number, int | float) else 0.0
                append(tuple([(value > c) - (value < c) for c in cuts]))
            else:
                append(())
            append(present)
        if self._flags:
            seen: dict[str, Value] = {}
            for _, evaluate in self._flags:
                append(evaluate(snapshot, fo, seen))
        return tuple(key)

    def key(self, fact: Fact) -> tuple[Any, ...]:
        """What durable_rules can tell apart in this fact: two facts with the same key satisfy
        the same tests. A text counts as itself only when a rule names it; a number as which
        side of each number the rules compare it with; flags as they are."""
        key: list[Any] = []
        append = key.append
        texts, numbers = self._named_texts, self._named_numbers
        for prop, value in fact.items():
            kind = type(value)
            if kind is bool or (kind is not str and kind is not float and isinstance(value, bool)):
                append(value)
            elif kind is str or isinstance(value, str):
                named = texts.get(prop)
                append(value if named is not None and value in named else None)
            else:
                cuts = numbers.get(prop)
                append(tuple([(value > c) - (value < c) for c in cuts]) if cuts else ())
        return tuple(key)


def _constants(definition: dict[str, Any]) -> tuple[dict[str, frozenset[str]], dict[str, tuple[float, ...]]]:
    """Per property, the texts and the numbers the rules compare it with."""
    texts: dict[str, set[str]] = {}
    numbers: dict[str, set[float]] = {}

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for name, value in items:
            if isinstance(value, dict | list):
                walk(value)
            elif isinstance(value, str):
                texts.setdefault(str(name), set()).add(value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                numbers.setdefault(str(name), set()).add(float(value))

    walk(definition)
    return (
        {prop: frozenset(values) for prop, values in texts.items()},
        {prop: tuple(sorted(values)) for prop, values in numbers.items()},
    )


def build_fact(snapshot: Snapshot, fo: FulfillmentOrder, schema: FactSchema) -> Fact:
    return FactBuilder(schema).build(snapshot, fo)


def _reader(name: str) -> _Reader:
    spec = spec_for(name, "fo")
    assert spec is not None, name
    read: _Reader = spec.read
    return read


def _evaluator(flag: Flag) -> Callable[[Snapshot, FulfillmentOrder, dict[str, Value]], bool]:
    test = flag.test
    if not isinstance(test, Compare):
        holds = lines_predicate(test)
        return lambda _snapshot, fo, _seen: holds(fo)
    spec = spec_for(test.field, "fo")
    assert spec is not None, test.field
    read, name, check = spec.read, test.field, comparer(spec, test.op, test.values)

    def evaluate(snapshot: Snapshot, fo: FulfillmentOrder, seen: dict[str, Value]) -> bool:
        if name not in seen:  # several flags often test one field (tags): read it once
            seen[name] = read(snapshot, fo)
        return check(seen[name])

    return evaluate
