"""Strategy conditions to a durable_rules ruleset: one durable rule per strategy.

durable_rules 2.0.28 has sharp edges this compiler steers around by construction:
- a rule whose only test is a negative existence test (`$nex`) hangs the C core, so no rule
  ever uses `$ex`/`$nex`: every fact carries every property a rule reads, and every rule
  starts with the positive anchor test `kind == fulfillment_order`;
- each satisfied branch of an `$or` fires the rule again, and more than 64 firings for one
  fact fail with error 303 and corrupt memory: every `$or` is rewritten so that its branches
  exclude each other (`a or b` becomes `a or (not a and b)`), so a rule fires at most once
  per fact, and a rule set holds at most `MAX_STRATEGIES` rules;
- a session in which no rule ever fired crashes `delete_state` (segfault), and `assert_facts`
  runs no action at all when one fact of the batch matches nothing: a sentinel rule matches
  every fact, so every fact is handled (and the matcher can check each was seen);
- more than ~253 properties in one fact fail with error 302: facts carry only the properties
  the rules read (one boolean per set of tags a rule names), capped at `MAX_FACT_PROPERTIES`;
- no regular expressions are emitted (durable_rules has its own dialect).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.conditions import FIELDS, AllOf, AnyOf, Compare, Condition, Not

MAX_STRATEGIES = 63  # + the sentinel: durable error 303 beyond 64 firings per fact (measured)
MAX_FACT_PROPERTIES = 240  # durable error 302 at 254 properties (measured); keep a margin
MAX_TESTS_PER_RULE = 512  # guards against blow-up of the exclusive-or rewrite
ANCHOR_PROPERTY = "kind"
ANCHOR_VALUE = "fulfillment_order"
RESERVED_PROPERTIES = ("sid", "id", ANCHOR_PROPERTY, "fo")  # durable adds `id` when absent
SENTINEL_RULE = "~every-fact"  # sorts after "NNN strategy-id" names; ids cannot start with "~"

JsonValue = Any  # durable_rules definitions are plain JSON


@dataclass(frozen=True)
class Atom:
    prop: str
    op: str  # "$eq", "$neq"
    value: str | bool


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]
    exclusive: bool = False  # True when at most one branch can hold for any fact


Expr = Atom | And | Or

_COMPLEMENT = {"$eq": "$neq", "$neq": "$eq", "$lt": "$gte", "$gte": "$lt", "$gt": "$lte", "$lte": "$gt"}


@dataclass(frozen=True)
class Flag:
    """A boolean fact property: does set field `field` contain any of `values`?

    Membership of a whole value set is one property (not one per value), so `any_of` with
    fifty tags is one test rather than an `$or` whose exclusive rewrite would grow quadratically.
    """

    field: str
    values: frozenset[str]
    prop: str


@dataclass
class FactSchema:
    """The properties a fact must carry for these rules: text fields, and one flag per set value."""

    text_fields: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def property_count(self) -> int:
        return len(RESERVED_PROPERTIES) + len(self.text_fields) + len(self.flags)

    def text(self, name: str) -> str:
        if name not in self.text_fields:
            self.text_fields.append(name)
        return name

    def flag(self, field_name: str, values: frozenset[str]) -> str:
        for flag in self.flags:
            if flag.field == field_name and flag.values == values:
                return flag.prop
        prop = f"{field_name}__{len(self.flags)}"  # tags may hold any character: index, not text
        self.flags.append(Flag(field_name, values, prop))
        return prop


@dataclass(frozen=True)
class CompileIssue:
    strategy_index: int
    message: str
    hint: str


@dataclass(frozen=True)
class CompiledRules:
    """The durable_rules definition (without actions) and the fact shape it expects."""

    definition: dict[str, JsonValue]
    rule_names: tuple[str, ...]  # index i is strategy i; the sentinel rule is not listed
    schema: FactSchema
    issues: tuple[CompileIssue, ...]


def rule_name(index: int, strategy_id: str) -> str:
    return f"{index:03d} {strategy_id}"


def compile_rules(strategies: Sequence[tuple[str, Condition | None]]) -> CompiledRules:
    """Compile `(strategy id, condition)` pairs, in order; limits come back as issues."""
    schema = FactSchema()
    definition: dict[str, JsonValue] = {}
    names: list[str] = []
    issues: list[CompileIssue] = []
    for index, (strategy_id, condition) in enumerate(strategies):
        name = rule_name(index, strategy_id)
        names.append(name)
        if index == MAX_STRATEGIES:
            issues.append(
                CompileIssue(
                    index,
                    f"a rule set holds at most {MAX_STRATEGIES} strategies (durable_rules limit)",
                    "merge strategies that share locations, using `any:` in `when:`",
                )
            )
        before = schema.property_count
        anchor = Atom(ANCHOR_PROPERTY, "$eq", ANCHOR_VALUE)
        expr: Expr = anchor
        if condition is not None:
            expr = _and(anchor, exclusive(to_expr(condition, schema)))
        tests = count_tests(expr)
        if tests > MAX_TESTS_PER_RULE:
            issues.append(
                CompileIssue(
                    index,
                    f"conditions compile to {tests} tests (at most {MAX_TESTS_PER_RULE})",
                    "simplify `any:`/`not:` nesting or split the strategy in two",
                )
            )
        if schema.property_count > MAX_FACT_PROPERTIES >= before:
            issues.append(
                CompileIssue(
                    index,
                    f"the rules now name more than {MAX_FACT_PROPERTIES - len(RESERVED_PROPERTIES)} "
                    "distinct fields and tags (durable_rules limit)",
                    "use fewer distinct tags across strategies",
                )
            )
        definition[name] = {"all": [{"m": render(expr)}]}
    definition[SENTINEL_RULE] = {"all": [{"m": render(Atom(ANCHOR_PROPERTY, "$eq", ANCHOR_VALUE))}]}
    return CompiledRules(definition, tuple(names), schema, tuple(issues))


def to_expr(condition: Condition, schema: FactSchema) -> Expr:
    if isinstance(condition, AllOf):
        return _and(*(to_expr(c, schema) for c in condition.conditions))
    if isinstance(condition, AnyOf):
        return _or(*(to_expr(c, schema) for c in condition.conditions))
    if isinstance(condition, Not):
        return negate(to_expr(condition.condition, schema))
    return _compare(condition, schema)


def _compare(condition: Compare, schema: FactSchema) -> Expr:
    spec = FIELDS[condition.field]
    if spec.kind == "text":
        prop = schema.text(spec.name)
        equal = tuple(Atom(prop, "$eq", value) for value in condition.values)
        if condition.op == "in":
            # One property equals at most one of distinct values: the branches already exclude.
            return equal[0] if len(equal) == 1 else Or(equal, exclusive=True)
        if condition.op == "not_in":
            return _and(*(negate(test) for test in equal))
    else:
        if condition.op == "any_of":
            return Atom(schema.flag(spec.name, frozenset(condition.values)), "$eq", True)
        if condition.op == "all_of":
            return _and(
                *(Atom(schema.flag(spec.name, frozenset({v})), "$eq", True) for v in condition.values)
            )
        if condition.op == "none_of":
            return Atom(schema.flag(spec.name, frozenset(condition.values)), "$eq", False)
    raise ValueError(f"no compilation for `{condition.field} {condition.op}`")  # reader rejects these


def negate(expr: Expr) -> Expr:
    """Push `not` down to the tests (De Morgan), since durable_rules has no `$not` for one fact."""
    if isinstance(expr, Atom):
        if expr.op == "$eq" and isinstance(expr.value, bool):
            return Atom(expr.prop, "$eq", not expr.value)
        return Atom(expr.prop, _COMPLEMENT[expr.op], expr.value)
    if isinstance(expr, And):
        return _or(*(negate(item) for item in expr.items))
    return _and(*(negate(item) for item in expr.items))


def exclusive(expr: Expr) -> Expr:
    """Rewrite every `or` so that at most one of its branches holds: the rule fires once."""
    if isinstance(expr, Atom):
        return expr
    if isinstance(expr, And):
        return _and(*(exclusive(item) for item in expr.items))
    if expr.exclusive:
        return Or(tuple(exclusive(item) for item in expr.items), exclusive=True)
    branches: list[Expr] = []
    earlier: list[Expr] = []
    for item in expr.items:
        branches.append(_and(*earlier, exclusive(item)))
        earlier.append(exclusive(negate(item)))
    return branches[0] if len(branches) == 1 else Or(tuple(branches), exclusive=True)


def count_tests(expr: Expr) -> int:
    if isinstance(expr, Atom):
        return 1
    return sum(count_tests(item) for item in expr.items)


def render(expr: Expr) -> JsonValue:
    if isinstance(expr, Atom):
        return {expr.prop: expr.value} if expr.op == "$eq" else {expr.op: {expr.prop: expr.value}}
    return {"$and" if isinstance(expr, And) else "$or": [render(item) for item in expr.items]}


def _and(*items: Expr) -> Expr:
    flat: list[Expr] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _or(*items: Expr) -> Expr:
    flat: list[Expr] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) and not item.exclusive else (item,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))
