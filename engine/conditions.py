"""Conditions: a generic model (field + operator + values, combined with all / any / not).

The fields and their operators live in `engine.fields`; this module reads `when:` mappings
(and line conditions) into the model, strictly, and describes conditions in words for traces.
A line condition (`any_line:` / `all_lines:`) holds a condition over the line fields.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.clock import parse_clock, parse_date, parse_weekdays
from engine.fields import (
    ALIASES,
    EXISTENCE_OPS,
    FIELDS,
    LINE_FIELDS,
    SET_ALIASES,
    SINGLE_VALUE_OPS,
    FieldSpec,
    canonical_number,
    field_spec,
)

# Kept for readers of the model that predate `engine.fields`.
from engine.fields import DELIVERY_METHOD_TYPES as DELIVERY_METHOD_TYPES
from engine.patterns import pattern_problem
from engine.reader import Reader, suggest
from engine.yamlsource import YMap, YNode, YScalar, YSeq

Scope = Literal["fo", "line"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Compare(_Frozen):
    """`field op values`, e.g. `destination_country in (US, CA)` or `total_price gte (100,)`.

    Values are canonical text (numbers as `"100"`, times as `"15:00"`); `exists`/`missing` take none.
    """

    kind: Literal["compare"] = "compare"
    field: str
    op: str
    values: tuple[str, ...]


class AllOf(_Frozen):
    kind: Literal["all"] = "all"
    conditions: tuple[Condition, ...]


class AnyOf(_Frozen):
    kind: Literal["any"] = "any"
    conditions: tuple[Condition, ...]


class Not(_Frozen):
    kind: Literal["not"] = "not"
    condition: Condition


class Lines(_Frozen):
    """`any_line:` / `all_lines:` — does some (every) line with units left meet `condition`?"""

    kind: Literal["lines"] = "lines"
    quantifier: Literal["any", "all"]
    condition: Condition


Condition = Annotated[Compare | AllOf | AnyOf | Not | Lines, Field(discriminator="kind")]
AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()
Lines.model_rebuild()

CONNECTIVES = ("all", "any", "not")
LINE_QUANTIFIERS = {"any_line": "any", "all_lines": "all"}
_HINTS = {
    "fo": "write e.g. `store: north-wind-us.myshopify.com` or `any: [...]`",
    "line": "write e.g. `sku: {matches: '^NW-'}` or `vendor: [Acme]`",
}


def spec_for(name: str, scope: Scope) -> FieldSpec | None:
    return field_spec(name) if scope == "fo" else LINE_FIELDS.get(name)


def read_condition(node: YNode, reader: Reader, scope: Scope = "fo") -> Condition | None:
    """A `when:` mapping (or an item of `all:`/`any:`); several keys mean all of them."""
    mapping = reader.mapping(node, "a condition", _HINTS[scope])
    if mapping is None:
        return None
    if not mapping.entries:
        reader.fail(node, "a condition must not be empty", _HINTS[scope])
        return None
    parts: list[Condition] = []
    ok = True
    for key, value in mapping.entries:
        name = str(key.value)
        part: Condition | None
        spec = spec_for(name, scope)
        if name in ("all", "any"):
            part = _read_connective(name, value, reader, scope)
        elif name == "not":
            inner = read_condition(value, reader, scope)
            part = None if inner is None else Not(condition=inner)
        elif scope == "fo" and name in LINE_QUANTIFIERS:
            inner = read_condition(value, reader, "line")
            part = None
            if inner is not None:
                part = Lines(quantifier="any" if name == "any_line" else "all", condition=inner)
        elif spec is not None:
            part = _read_field(spec, value, reader)
        else:
            known = [*(FIELDS if scope == "fo" else LINE_FIELDS), *CONNECTIVES]
            if scope == "fo":
                known += [*LINE_QUANTIFIERS, "metafield.<namespace>.<key>"]
            reader.fail(key, f"unknown condition `{name}`", suggest(name, known))
            part = None
        if part is None:
            ok = False
        else:
            parts.append(part)
    if not ok:
        return None
    return parts[0] if len(parts) == 1 else AllOf(conditions=tuple(parts))


def _read_connective(name: str, node: YNode, reader: Reader, scope: Scope) -> Condition | None:
    hint = f"write `{name}:` followed by a list of conditions, each on a line starting with `- `"
    seq = reader.sequence(node, f"`{name}:`", hint)
    if seq is None:
        return None
    if not seq.items:
        reader.fail(node, f"`{name}:` must list at least one condition", hint)
        return None
    children = [read_condition(item, reader, scope) for item in seq.items]
    if any(child is None for child in children):
        return None
    kept = tuple(child for child in children if child is not None)
    return AllOf(conditions=kept) if name == "all" else AnyOf(conditions=kept)


def _read_field(spec: FieldSpec, node: YNode, reader: Reader) -> Condition | None:
    if not isinstance(node, YMap):
        return _read_values(spec, spec.operators[0], node, reader)
    if not node.entries:
        reader.fail(node, f"`{spec.name}:` must not be empty", f"write e.g. `{spec.example}`")
        return None
    parts: list[Condition] = []
    for key, value in node.entries:
        written = str(key.value)
        op = ALIASES.get(written, written)
        if spec.kind == "set":
            op = SET_ALIASES.get(op, op)
        if op not in spec.operators:
            reader.fail(key, f"`{spec.name}` has no operator `{written}`", suggest(written, spec.operators))
            return None
        part = _read_existence(spec, op, value, reader) if op in EXISTENCE_OPS else None
        if op not in EXISTENCE_OPS:
            part = _read_values(spec, op, value, reader)
        if part is None:
            return None
        parts.append(part)
    return parts[0] if len(parts) == 1 else AllOf(conditions=tuple(parts))


def _read_existence(spec: FieldSpec, op: str, node: YNode, reader: Reader) -> Condition | None:
    if not (isinstance(node, YScalar) and isinstance(node.value, bool)):
        reader.fail(node, f"`{op}` takes `true` or `false`", f"write `{spec.name}: {{{op}: true}}`")
        return None
    wanted = op if node.value else ("missing" if op == "exists" else "exists")
    return Compare(field=spec.name, op=wanted, values=())


def _read_values(spec: FieldSpec, op: str, node: YNode, reader: Reader) -> Condition | None:
    hint = f"write e.g. `{spec.example}`"
    items = node.items if isinstance(node, YSeq) else (node,)
    if any(not isinstance(item, YScalar) for item in items):
        reader.fail(node, f"`{spec.name}` takes a value or a list of values", hint)
        return None
    if not items:
        reader.fail(node, f"`{spec.name}` must not be an empty list", hint)
        return None
    if op in SINGLE_VALUE_OPS and len(items) > 1:
        reader.fail(node, f"`{op}` takes one value", hint)
        return None
    values: list[str] = []
    for item in items:
        assert isinstance(item, YScalar)
        parsed = _value(spec, op, item, reader)
        if parsed is None:
            return None
        values.extend(parsed)
    return Compare(field=spec.name, op=op, values=tuple(dict.fromkeys(values)))


def _value(spec: FieldSpec, op: str, item: YScalar, reader: Reader) -> tuple[str, ...] | None:
    """One written value in canonical form (a weekday range gives several), or None."""
    what = f"`{spec.name}`"
    raw = item.value
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return ("true" if raw else "false",)
        reader.fail(item, f"{what} takes `true` or `false`", f"write e.g. `{spec.example}`")
        return None
    if spec.kind == "number" and op != "matches":
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return (canonical_number(float(raw)),)
        reader.fail(
            item, f"{what} takes a number, YAML read a {item.kind} here", "write e.g. `100` or `19.99`"
        )
        return None
    text = reader.text(item, what, f"write e.g. `{spec.example}`")
    if text is None:
        return None
    if op == "matches":
        problem = pattern_problem(text)
        if problem is not None:
            reader.fail(item, f"`{text}`: {problem}", "write a Python regular expression, e.g. `^NW-00`")
            return None
        return (text,)
    if spec.kind == "time":
        minute = parse_clock(text)
        if minute is None:
            reader.fail(
                item, f"`{text}` is not a time of day", "write 24-hour time in quotes, e.g. `'15:30'`"
            )
            return None
        return (f"{minute // 60:02d}:{minute % 60:02d}",)
    if spec.kind == "date":
        day = parse_date(text)
        if day is None:
            reader.fail(item, f"`{text}` is not a date", "write `YYYY-MM-DD`, e.g. `2026-12-24`")
            return None
        return (day.isoformat(),)
    if spec.kind == "weekday":
        days = parse_weekdays(text)
        if days is None:
            reader.fail(
                item, f"`{text}` is not a weekday", "write `mon` … `sun`, or a range such as `mon-fri`"
            )
            return None
        return days
    value = spec.normalize(text)
    instead = spec.check(value) if op != "contains" else None
    if instead is not None:
        reader.fail(item, f"`{value}` is not a valid `{spec.name}`", instead)
        return None
    return (value,)


_WORDS = {
    "in": "in",
    "not_in": "not in",
    "equals": "=",
    "not_equals": "≠",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "any_of": "any of",
    "all_of": "all of",
    "none_of": "none of",
    "contains": "contains",
    "matches": "matches",
}


def describe(condition: Condition) -> str:
    """The condition in words, for traces: `store in [a] and not (order_tags any of [b2b])`."""
    if isinstance(condition, Compare):
        if condition.op in EXISTENCE_OPS:
            return f"{condition.field} {'is set' if condition.op == 'exists' else 'is missing'}"
        values = ", ".join(condition.values)
        shown = f"[{values}]" if condition.op in ("in", "not_in", "any_of", "all_of", "none_of") else values
        return f"{condition.field} {_WORDS.get(condition.op, condition.op)} {shown}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.condition)})"
    if isinstance(condition, Lines):
        quantifier = "any line" if condition.quantifier == "any" else "every line"
        return f"{quantifier}: {describe(condition.condition)}"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return joiner.join(
        f"({describe(c)})" if isinstance(c, AllOf | AnyOf) else describe(c) for c in condition.conditions
    )


def fields_read(condition: Condition | None) -> set[str]:
    """Every fulfillment-order field a condition names (line conditions count as `lines`)."""
    if condition is None:
        return set()
    if isinstance(condition, Compare):
        return {condition.field}
    if isinstance(condition, Lines):
        return {"lines"}
    if isinstance(condition, Not):
        return fields_read(condition.condition)
    return set().union(*(fields_read(c) for c in condition.conditions))
