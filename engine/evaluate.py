"""Conditions evaluated in Python, with the same meaning the compiled durable_rules tests have.

Used where durable_rules cannot or need not look: patterns and substrings, sets of tags, line
conditions (one fact per fulfillment order cannot quantify over its lines), keep-together
groups and location restrictions. The fact builder turns each such test into one boolean.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from engine.conditions import AllOf, AnyOf, Compare, Condition, Lines, Not, spec_for
from engine.fields import NUMERIC_KINDS, FieldSpec, Value, number_of
from engine.model import FulfillmentOrder, FulfillmentOrderLine
from engine.patterns import compiled

Read = Callable[[str], Value]


def holds(
    condition: Condition, read: Read, lines: Callable[[], list[FulfillmentOrderLine]] | None = None
) -> bool:
    """Does `condition` hold for the subject whose fields `read` gives (lines for `any_line`)?"""
    if isinstance(condition, Compare):
        spec = spec_for(condition.field, "fo") or spec_for(condition.field, "line")
        assert spec is not None, condition.field  # the reader only builds known fields
        return compare(spec, condition.op, condition.values, read(condition.field))
    if isinstance(condition, AllOf):
        return all(holds(c, read, lines) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(holds(c, read, lines) for c in condition.conditions)
    if isinstance(condition, Not):
        return not holds(condition.condition, read, lines)
    return lines_hold(condition, lines() if lines is not None else [])


def lines_hold(condition: Lines, lines: list[FulfillmentOrderLine]) -> bool:
    results = (line_holds(condition.condition, line) for line in lines)
    return any(results) if condition.quantifier == "any" else all(results)


def line_holds(condition: Condition, line: FulfillmentOrderLine) -> bool:
    return holds(condition, lambda name: _line_value(name, line))


LinePredicate = Callable[[FulfillmentOrderLine], bool]


def line_predicate(condition: Condition) -> LinePredicate:
    """`condition` over one line as a function, worked out once (fields and operators resolved)."""
    if isinstance(condition, Compare):
        spec = spec_for(condition.field, "line")
        assert spec is not None, condition.field
        read, test = spec.read, comparer(spec, condition.op, condition.values)
        return lambda line: test(read(line))
    if isinstance(condition, Not):
        inner = line_predicate(condition.condition)
        return lambda line: not inner(line)
    if isinstance(condition, AllOf | AnyOf):
        parts = [line_predicate(c) for c in condition.conditions]
        if isinstance(condition, AllOf):
            return lambda line: all(part(line) for part in parts)
        return lambda line: any(part(line) for part in parts)
    raise ValueError("a line condition cannot hold another line condition")


def lines_predicate(condition: Lines) -> Callable[[FulfillmentOrder], bool]:
    """`any_line:` / `all_lines:` over a fulfillment order's lines with units left."""
    test = line_predicate(condition.condition)
    if condition.quantifier == "any":
        return lambda fo: any(test(line) for line in fo.lines if line.remaining_quantity > 0)
    return lambda fo: all(test(line) for line in fo.lines if line.remaining_quantity > 0)


def open_lines(fo: FulfillmentOrder) -> list[FulfillmentOrderLine]:
    return [line for line in fo.lines if line.remaining_quantity > 0]


def _line_value(name: str, line: FulfillmentOrderLine) -> Value:
    spec = spec_for(name, "line")
    assert spec is not None, name
    value: Value = spec.read(line)
    return value


def comparer(spec: FieldSpec, op: str, values: tuple[str, ...]) -> Callable[[Value], bool]:
    """`compare(spec, op, values, value)` as a function of `value`, its dispatch done once (the
    common operators of text and sets directly, number targets read once); same results."""
    kind = spec.kind
    if kind == "set" and op in ("any_of", "none_of"):
        wanted = frozenset(values)
        if op == "any_of":
            return lambda value: isinstance(value, frozenset) and not value.isdisjoint(wanted)
        return lambda value: not isinstance(value, frozenset) or value.isdisjoint(wanted)
    if (
        kind not in NUMERIC_KINDS
        and kind not in ("set", "bool")
        and op in ("in", "equals", "not_in", "not_equals")
    ):
        if op in ("in", "equals"):
            return lambda value: (value if isinstance(value, str) else "") in values
        return lambda value: (value if isinstance(value, str) else "") not in values
    if kind in NUMERIC_KINDS and op in ("lt", "lte", "gt", "gte") and len(values) == 1:
        try:
            target = number_of(kind, values[0])
        except ValueError:  # unreadable: let `compare` fail (or not) as it would
            return lambda value: compare(spec, op, values, value)
        test = _ORDER[op]
        return lambda value: (
            isinstance(value, float | int) and not isinstance(value, bool) and test(value, target)
        )
    return lambda value: compare(spec, op, values, value)


_ORDER: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def compare(spec: FieldSpec, op: str, values: tuple[str, ...], value: Value) -> bool:
    if spec.kind == "set":
        members = value if isinstance(value, frozenset) else frozenset()
        return _set_compare(op, values, members)
    if spec.kind == "bool":
        return value is (values[0] == "true")
    if spec.kind in NUMERIC_KINDS:
        number = value if isinstance(value, float | int) and not isinstance(value, bool) else None
        return _number_compare(spec, op, values, number)
    text = value if isinstance(value, str) else ""
    return _text_compare(op, values, text)


def _text_compare(op: str, values: tuple[str, ...], text: str) -> bool:
    if op == "exists":
        return text != ""
    if op == "missing":
        return text == ""
    if op in ("in", "equals"):
        return text in values
    if op in ("not_in", "not_equals"):
        return text not in values
    if op == "contains":
        return values[0].casefold() in text.casefold()
    if op == "matches":
        return compiled(values[0]).search(text) is not None
    raise ValueError(f"no text operator `{op}`")


def _number_compare(spec: FieldSpec, op: str, values: tuple[str, ...], number: float | None) -> bool:
    if op == "exists":
        return number is not None
    if op == "missing":
        return number is None
    if op in ("not_in", "not_equals"):
        return not _number_compare(spec, "in", values, number)
    if number is None:
        return False
    targets = [number_of(spec.kind, v) for v in values]
    if op in ("in", "equals"):
        return number in targets
    target = targets[0]
    if op == "lt":
        return number < target
    if op == "lte":
        return number <= target
    if op == "gt":
        return number > target
    if op == "gte":
        return number >= target
    raise ValueError(f"no number operator `{op}`")


def _set_compare(op: str, values: tuple[str, ...], members: frozenset[str]) -> bool:
    if op == "exists":
        return bool(members)
    if op == "missing":
        return not members
    if op == "any_of":
        return not members.isdisjoint(values)
    if op == "none_of":
        return members.isdisjoint(values)
    if op in ("all_of", "contains"):
        return members.issuperset(values)
    if op == "matches":
        pattern = compiled(values[0])
        return any(pattern.search(member) for member in members)
    raise ValueError(f"no set operator `{op}`")
