"""Strategy conditions: a generic model (field + operator + values, combined with all/any/not).

A field is described once in `FIELDS`: how rule files spell its values, which operators it
takes, and how to read it from a snapshot. Adding a field or an operator is adding an entry
here (and, for a new operator, one line in the compiler); the YAML reader and the model stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.model import FulfillmentOrder, Snapshot
from engine.reader import Reader, suggest
from engine.yamlsource import YMap, YNode, YSeq

DELIVERY_METHOD_TYPES = ("SHIPPING", "PICK_UP", "NONE", "RETAIL", "LOCAL", "PICKUP_POINT")
_COUNTRY = re.compile(r"[A-Z]{2}")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Compare(_Frozen):
    """`field op values`, e.g. `destination_country in (US, CA)` or `order_tags none_of (b2b,)`."""

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


Condition = Annotated[Compare | AllOf | AnyOf | Not, Field(discriminator="kind")]
AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


@dataclass(frozen=True)
class FieldSpec:
    """One field conditions can test. `text` fields hold one value; `set` fields hold many."""

    name: str
    kind: Literal["text", "set"]
    operators: tuple[str, ...]  # the first is meant when a rule writes `field: value(s)`
    example: str
    read: Callable[[Snapshot, FulfillmentOrder], str | frozenset[str]]
    normalize: Callable[[str], str] = str
    check: Callable[[str], str | None] = lambda _: None  # returns what to write instead, if wrong


def _destination_country(snapshot: Snapshot, fo: FulfillmentOrder) -> str:
    for address in (fo.destination, snapshot.order.shipping_address):
        if address is not None and address.country_code:
            return address.country_code.upper()
    return ""


def _check_country(value: str) -> str | None:
    return None if _COUNTRY.fullmatch(value) else "write a two-letter ISO country code such as `US`"


def _check_delivery_method(value: str) -> str | None:
    if value in DELIVERY_METHOD_TYPES:
        return None
    return suggest(value, DELIVERY_METHOD_TYPES)


TEXT_OPERATORS = ("in", "not_in")
SET_OPERATORS = ("any_of", "all_of", "none_of")

FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "store",
            "text",
            TEXT_OPERATORS,
            "store: north-wind-us.myshopify.com",
            read=lambda snapshot, _fo: snapshot.store.lower(),
            normalize=str.lower,
        ),
        FieldSpec(
            "order_tags",
            "set",
            SET_OPERATORS,
            "order_tags: {any_of: [vip, wholesale]}",
            read=lambda snapshot, _fo: frozenset(tag.strip().casefold() for tag in snapshot.order.tags),
            normalize=str.casefold,  # Shopify treats tags case-insensitively
        ),
        FieldSpec(
            "destination_country",
            "text",
            TEXT_OPERATORS,
            "destination_country: [US, CA]",
            read=_destination_country,
            normalize=str.upper,
            check=_check_country,
        ),
        FieldSpec(
            "delivery_method",
            "text",
            TEXT_OPERATORS,
            "delivery_method: [SHIPPING]",
            read=lambda _snapshot, fo: (fo.delivery_method or "").upper(),
            normalize=str.upper,
            check=_check_delivery_method,
        ),
    )
}
CONNECTIVES = ("all", "any", "not")
_CONDITION_HINT = "write e.g. `store: north-wind-us.myshopify.com` or `any: [...]`"


def read_condition(node: YNode, reader: Reader) -> Condition | None:
    """A `when:` mapping (or an item of `all:`/`any:`); several keys mean all of them."""
    mapping = reader.mapping(node, "a condition", _CONDITION_HINT)
    if mapping is None:
        return None
    if not mapping.entries:
        reader.fail(node, "a condition must not be empty", _CONDITION_HINT)
        return None
    parts: list[Condition] = []
    ok = True
    for key, value in mapping.entries:
        name = str(key.value)
        part: Condition | None
        if name in ("all", "any"):
            part = _read_connective(name, value, reader)
        elif name == "not":
            inner = read_condition(value, reader)
            part = None if inner is None else Not(condition=inner)
        elif name in FIELDS:
            part = _read_field(FIELDS[name], value, reader)
        else:
            reader.fail(key, f"unknown condition `{name}`", suggest(name, [*FIELDS, *CONNECTIVES]))
            part = None
        if part is None:
            ok = False
        else:
            parts.append(part)
    if not ok:
        return None
    return parts[0] if len(parts) == 1 else AllOf(conditions=tuple(parts))


def _read_connective(name: str, node: YNode, reader: Reader) -> Condition | None:
    hint = f"write `{name}:` followed by a list of conditions, each on a line starting with `- `"
    seq = reader.sequence(node, f"`{name}:`", hint)
    if seq is None:
        return None
    if not seq.items:
        reader.fail(node, f"`{name}:` must list at least one condition", hint)
        return None
    children = [read_condition(item, reader) for item in seq.items]
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
        op = str(key.value)
        if op not in spec.operators:
            reader.fail(key, f"`{spec.name}` has no operator `{op}`", suggest(op, spec.operators))
            return None
        part = _read_values(spec, op, value, reader)
        if part is None:
            return None
        parts.append(part)
    return parts[0] if len(parts) == 1 else AllOf(conditions=tuple(parts))


def _read_values(spec: FieldSpec, op: str, node: YNode, reader: Reader) -> Condition | None:
    if isinstance(node, YMap | YSeq) and any(isinstance(item, YMap | YSeq) for item in _items(node)):
        reader.fail(node, f"`{spec.name}` takes a value or a list of values", f"write e.g. `{spec.example}`")
        return None
    values = reader.texts(node, f"`{spec.name}`", f"write e.g. `{spec.example}`")
    if values is None:
        return None
    normalized = tuple(dict.fromkeys(spec.normalize(value) for value in values))
    for value in normalized:
        instead = spec.check(value)
        if instead is not None:
            reader.fail(node, f"`{value}` is not a valid `{spec.name}`", instead)
            return None
    return Compare(field=spec.name, op=op, values=normalized)


def _items(node: YMap | YSeq) -> tuple[YNode, ...]:
    return node.items if isinstance(node, YSeq) else tuple(value for _, value in node.entries)


def describe(condition: Condition) -> str:
    """The condition in words, for traces: `store in [a] and not (order_tags any_of [b2b])`."""
    if isinstance(condition, Compare):
        return f"{condition.field} {condition.op.replace('_', ' ')} [{', '.join(condition.values)}]"
    if isinstance(condition, Not):
        return f"not ({describe(condition.condition)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return joiner.join(
        f"({describe(c)})" if isinstance(c, AllOf | AnyOf) else describe(c) for c in condition.conditions
    )
