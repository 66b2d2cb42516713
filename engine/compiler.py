"""Rule conditions to a durable_rules ruleset: one durable rule per hold rule and per strategy.

durable_rules 2.0.28 has sharp edges this compiler steers around by construction:
- a rule whose only test is a negative existence test (`$nex`) hangs the C core, so no rule
  ever uses `$ex`/`$nex`: every fact carries every property a rule reads (a missing text is
  `""`, a missing number has its `<field>__set` flag false), and every rule starts with the
  positive anchor test `kind == fulfillment_order`;
- each satisfied branch of an `$or` fires the rule again, and more than 64 firings for one
  fact fail with error 303 and corrupt memory: every `$or` is rewritten so that its branches
  exclude each other (`a or b` becomes `a or (not a and b)`), so a rule fires at most once
  per fact, and a rule set holds at most `MAX_RULES` rules (which also keeps far from the
  ~512 rules at which creating a ruleset hangs);
- a session in which no rule ever fired crashes `delete_state` (segfault), and `assert_facts`
  runs no action at all when one fact of the batch matches nothing: a sentinel rule matches
  every fact, so every fact is handled (and the matcher can check each was seen);
- more than ~253 properties in one fact fail with error 302: facts carry only the properties
  the rules read, capped at `MAX_FACT_PROPERTIES`;
- no regular expressions are emitted (durable_rules has its own dialect): patterns, substrings,
  sets of tags and line conditions are evaluated in Python into one boolean property each
  (`Flag`), so fifty tags in `any_of` are one test, not an `$or` that grows quadratically.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.conditions import AllOf, AnyOf, Compare, Condition, Lines, Not, spec_for
from engine.fields import COMPARISONS, NUMERIC_KINDS, number_of

MAX_RULES = 63  # + the sentinel: durable error 303 beyond 64 firings per fact (measured)
MAX_STRATEGIES = MAX_RULES  # hold rules and strategies share the limit
MAX_FACT_PROPERTIES = 240  # durable error 302 at 254 properties (measured); keep a margin
MAX_TESTS_PER_RULE = 512  # guards against blow-up of the exclusive-or rewrite
ANCHOR_PROPERTY = "kind"
ANCHOR_VALUE = "fulfillment_order"
RESERVED_PROPERTIES = ("sid", "id", ANCHOR_PROPERTY, "fo")  # durable adds `id` when absent
SENTINEL_RULE = "~every-fact"  # sorts after "NNN rule-id" names; ids cannot start with "~"
SET_SUFFIX = "__set"

JsonValue = Any  # durable_rules definitions are plain JSON
Scalar = str | bool | float


@dataclass(frozen=True)
class Atom:
    prop: str
    op: str  # "$eq", "$neq", "$lt", "$lte", "$gt", "$gte"
    value: Scalar


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]
    exclusive: bool = False  # True when at most one branch can hold for any fact


Expr = Atom | And | Or

_COMPLEMENT = {"$eq": "$neq", "$neq": "$eq", "$lt": "$gte", "$gte": "$lt", "$gt": "$lte", "$lte": "$gt"}
_DURABLE_OPS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_UNSAFE = re.compile(r"\W")


@dataclass(frozen=True)
class Flag:
    """A boolean fact property computed in Python: does `test` hold for the fulfillment order?

    `field` and `values` are the field and values of a set or text test (`values` a frozenset
    for set membership, so the same tags in any order share one flag); a line condition has
    `field == "lines"`.
    """

    field: str
    values: frozenset[str] | tuple[str, ...]
    prop: str
    test: Compare | Lines


@dataclass(frozen=True)
class NumberField:
    field: str
    prop: str
    set_prop: str


@dataclass
class FactSchema:
    """The properties a fact must carry for these rules: text, numbers, and Python flags."""

    text_fields: list[str] = field(default_factory=list)
    text_props: dict[str, str] = field(default_factory=dict)
    numbers: list[NumberField] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def property_count(self) -> int:
        return len(RESERVED_PROPERTIES) + len(self.text_fields) + 2 * len(self.numbers) + len(self.flags)

    def text(self, name: str) -> str:
        if name not in self.text_props:
            plain = name.isidentifier() and not name.endswith(SET_SUFFIX)
            self.text_props[name] = name if plain else f"t__{len(self.text_props)}"
            self.text_fields.append(name)
        return self.text_props[name]

    def number(self, name: str) -> NumberField:
        for number in self.numbers:
            if number.field == name:
                return number
        number = NumberField(name, name, name + SET_SUFFIX)
        self.numbers.append(number)
        return number

    def flag(self, test: Compare | Lines) -> str:
        key = _flag_key(test)
        for flag in self.flags:
            if _flag_key(flag.test) == key:
                return flag.prop
        field_name = test.field if isinstance(test, Compare) else "lines"
        values: frozenset[str] | tuple[str, ...] = key[2] if isinstance(test, Compare) else ()
        # Tags and patterns may hold any character: properties are named by index, not by text.
        prop = f"{_UNSAFE.sub('_', field_name)}__{len(self.flags)}"
        self.flags.append(Flag(field_name, values, prop, test))
        return prop


def _flag_key(test: Compare | Lines) -> tuple[Any, ...]:
    """Tests that always agree share a flag: the same tags in any order, the same line test."""
    if isinstance(test, Lines):
        return ("lines", "", test)
    values = frozenset(test.values) if test.op == "any_of" else test.values
    return (test.field, test.op, values)


@dataclass(frozen=True)
class CompileIssue:
    strategy_index: int  # the index of the rule (hold rules first, then strategies)
    message: str
    hint: str


@dataclass(frozen=True)
class CompiledRules:
    """The durable_rules definition (without actions) and the fact shape it expects."""

    definition: dict[str, JsonValue]
    rule_names: tuple[str, ...]  # index i is rule i; the sentinel rule is not listed
    schema: FactSchema
    issues: tuple[CompileIssue, ...]


def rule_name(index: int, rule_id: str) -> str:
    return f"{index:03d} {rule_id}"


def compile_rules(rules: Sequence[tuple[str, Condition | None]]) -> CompiledRules:
    """Compile `(rule id, condition)` pairs, in order; limits come back as issues."""
    schema = FactSchema()
    definition: dict[str, JsonValue] = {}
    names: list[str] = []
    issues: list[CompileIssue] = []
    for index, (rule_id, condition) in enumerate(rules):
        name = rule_name(index, rule_id)
        names.append(name)
        if index == MAX_RULES:
            issues.append(
                CompileIssue(
                    index,
                    f"a rule set holds at most {MAX_RULES} strategies and holds together "
                    "(durable_rules fails when more than 64 rules match one fulfillment order)",
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
                    "simplify `any:`/`not:` nesting or split the rule in two",
                )
            )
        if schema.property_count > MAX_FACT_PROPERTIES >= before:
            issues.append(
                CompileIssue(
                    index,
                    f"the rules now test more than {MAX_FACT_PROPERTIES - len(RESERVED_PROPERTIES)} "
                    "distinct fields, tag sets, patterns and line conditions (durable_rules limit: "
                    "255 properties per fact; a number counts twice)",
                    "reuse the same tag lists and patterns across rules, or test fewer fields",
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
    if isinstance(condition, Lines):
        return Atom(schema.flag(condition), "$eq", True)
    return _compare(condition, schema)


def _compare(condition: Compare, schema: FactSchema) -> Expr:
    spec = spec_for(condition.field, "fo")
    if spec is None:
        raise ValueError(f"no field `{condition.field}`")  # the reader rejects these
    op = condition.op
    if spec.kind == "set":
        return _set_test(condition, schema)
    if op in ("contains", "matches"):
        return Atom(schema.flag(condition), "$eq", True)
    if op in ("not_in", "not_equals"):
        return negate(_compare(condition.model_copy(update={"op": "in"}), schema))
    if spec.kind in NUMERIC_KINDS:
        number = schema.number(spec.name)
        guard = Atom(number.set_prop, "$eq", True)
        if op == "exists":
            return guard
        if op == "missing":
            return negate(guard)
        targets = [number_of(spec.kind, value) for value in condition.values]
        if op in COMPARISONS:
            return _and(guard, Atom(number.prop, _DURABLE_OPS[op], targets[0]))
        return _and(guard, _one_of(number.prop, targets))
    prop = schema.text(spec.name)
    if op == "exists":
        return Atom(prop, "$neq", "")
    if op == "missing":
        return Atom(prop, "$eq", "")
    return _one_of(prop, list(condition.values))


def _one_of(prop: str, values: Sequence[str | float]) -> Expr:
    # One property equals at most one of distinct values: the branches already exclude.
    equal = tuple(Atom(prop, "$eq", value) for value in dict.fromkeys(values))
    return equal[0] if len(equal) == 1 else Or(equal, exclusive=True)


def _set_test(condition: Compare, schema: FactSchema) -> Expr:
    op, values = condition.op, condition.values

    def member_flag(members: tuple[str, ...]) -> str:
        return schema.flag(Compare(field=condition.field, op="any_of", values=members))

    if op == "any_of":
        return Atom(member_flag(values), "$eq", True)
    if op == "none_of":
        return Atom(member_flag(values), "$eq", False)
    if op in ("all_of", "contains"):
        return _and(*(Atom(member_flag((value,)), "$eq", True) for value in values))
    if op == "missing":
        return Atom(schema.flag(condition.model_copy(update={"op": "exists"})), "$eq", False)
    return Atom(schema.flag(condition), "$eq", True)  # exists, matches


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
