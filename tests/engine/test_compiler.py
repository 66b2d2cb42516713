"""Conditions compile to durable_rules JSON that steers clear of its known hazards."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import RuleSetError
from engine.compiler import (
    ANCHOR_PROPERTY,
    ANCHOR_VALUE,
    MAX_STRATEGIES,
    SENTINEL_RULE,
    Atom,
    Or,
    compile_rules,
    exclusive,
    negate,
)
from engine.matcher import compiled_rules

from .support import default_rules, rules

ANCHOR = {ANCHOR_PROPERTY: ANCHOR_VALUE}
MIXED = """\
strategies:
  - id: unconditional
    locations: [Newark DC]
  - id: mixed
    when:
      store: [a.myshopify.com, b.myshopify.com]
      not: {order_tags: {any_of: [vip, gold]}}
      any:
        - destination_country: US
        - order_tags: {all_of: [rush]}
    locations: [Newark DC]
fallback: {keep: true}
"""


def _walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def _tests(rule: dict[str, Any]) -> Any:
    (pattern,) = rule["all"]
    return pattern["m"]


def test_one_durable_rule_per_strategy_plus_the_sentinel() -> None:
    compiled = compiled_rules(default_rules())
    assert list(compiled.definition) == ["000 us-ship-complete", "001 ca-ship-complete", SENTINEL_RULE]
    assert _tests(compiled.definition["000 us-ship-complete"]) == {
        "$and": [ANCHOR, {"store": "north-wind-us.myshopify.com"}]
    }


def test_a_strategy_without_conditions_gets_the_positive_anchor_not_a_lone_nex() -> None:
    compiled = compiled_rules(rules(MIXED))
    assert _tests(compiled.definition["000 unconditional"]) == ANCHOR
    assert _tests(compiled.definition[SENTINEL_RULE]) == ANCHOR


def test_no_rule_ever_uses_an_existence_test_and_each_starts_with_the_anchor() -> None:
    compiled = compiled_rules(rules(MIXED))
    dumped = json.dumps(compiled.definition)
    assert "$nex" not in dumped and "$ex" not in dumped and "$mt" not in dumped
    for rule in compiled.definition.values():
        tests = _tests(rule)
        assert tests == ANCHOR or tests["$and"][0] == ANCHOR


def test_tag_sets_become_boolean_properties_named_by_index_only_for_tags_the_rules_name() -> None:
    compiled = compiled_rules(rules(MIXED))
    assert [(f.values, f.prop) for f in compiled.schema.flags] == [
        (frozenset({"vip", "gold"}), "order_tags__0"),
        (frozenset({"rush"}), "order_tags__1"),
    ]
    assert compiled.schema.text_fields == ["store", "destination_country"]


def test_not_is_pushed_down_to_the_tests() -> None:
    tests = _tests(compiled_rules(rules(MIXED)).definition["001 mixed"])
    assert tests["$and"][2] == {"order_tags__0": False}


def test_any_is_rewritten_so_that_at_most_one_branch_holds() -> None:
    tests = _tests(compiled_rules(rules(MIXED)).definition["001 mixed"])
    any_part = tests["$and"][-1]
    assert any_part == {
        "$or": [
            {"destination_country": "US"},
            {"$and": [{"$neq": {"destination_country": "US"}}, {"order_tags__1": True}]},
        ]
    }


def test_a_list_of_values_for_one_field_is_already_exclusive() -> None:
    tests = _tests(compiled_rules(rules(MIXED)).definition["001 mixed"])
    assert tests["$and"][1] == {"$or": [{"store": "a.myshopify.com"}, {"store": "b.myshopify.com"}]}


@pytest.mark.parametrize(
    ("expr", "negated"),
    [
        (Atom("p", "$eq", "x"), Atom("p", "$neq", "x")),
        (Atom("p", "$neq", "x"), Atom("p", "$eq", "x")),
        (Atom("f", "$eq", True), Atom("f", "$eq", False)),
        (Atom("p", "$lt", "3"), Atom("p", "$gte", "3")),
    ],
)
def test_negating_a_test_flips_its_operator(expr: Atom, negated: Atom) -> None:
    assert negate(expr) == negated
    assert negate(negated) == expr


def test_exclusive_branches_are_guarded_by_the_negations_of_earlier_ones() -> None:
    a, b, c = Atom("a", "$eq", True), Atom("b", "$eq", True), Atom("c", "$eq", True)
    rewritten = exclusive(Or((a, b, c)))
    assert isinstance(rewritten, Or) and rewritten.exclusive
    assert len(rewritten.items) == 3


def _strategies(count: int, when: str = "") -> str:
    body = "".join(f"  - id: s{i}\n{when}    locations: [Newark DC]\n" for i in range(count))
    return f"strategies:\n{body}fallback: {{keep: true}}\n"


def test_accepts_as_many_strategies_as_durable_rules_can_fire_for_one_fact() -> None:
    assert len(rules(_strategies(MAX_STRATEGIES)).strategies) == MAX_STRATEGIES


def test_rejects_one_strategy_too_many_naming_it() -> None:
    with pytest.raises(
        RuleSetError, match=rf"rules/test.yaml:\d+:5: strategy s{MAX_STRATEGIES}: a rule set holds"
    ):
        rules(_strategies(MAX_STRATEGIES + 1))


def test_rejects_rules_naming_too_many_tags_naming_the_strategy_that_crosses_the_limit() -> None:
    body = ""
    for n in range(5):
        tags = ", ".join(f"s{n}-t{i}" for i in range(50))
        body += f"  - id: s{n}\n    when: {{order_tags: {{all_of: [{tags}]}}}}\n    locations: [X]\n"
    with pytest.raises(
        RuleSetError, match=r"rules/test.yaml:14:5: strategy s4: the rules now test more than"
    ):
        rules(f"strategies:\n{body}fallback: {{keep: true}}\n")


def test_rejects_conditions_that_would_compile_to_too_many_tests() -> None:
    branch = "        - any: [{order_tags: [a]}, {order_tags: [b]}, {store: c}, {destination_country: DE}]\n"
    text = "strategies:\n  - id: deep\n    when:\n      any:\n" + branch * 12
    text += "    locations: [X]\nfallback: {keep: true}\n"
    with pytest.raises(RuleSetError, match=r"strategy deep: conditions compile to \d+ tests"):
        rules(text)


def test_compile_issues_point_at_the_strategy_index() -> None:
    compiled = compile_rules([(f"s{i}", None) for i in range(MAX_STRATEGIES + 2)])
    assert [issue.strategy_index for issue in compiled.issues] == [MAX_STRATEGIES]


def test_numbers_are_tested_only_when_present() -> None:
    text = "strategies:\n  - {id: big, when: {total_price: {'>=': 100}}, locations: [X]}\n"
    text += (
        "  - {id: small, when: {not: {total_price: {'>=': 100}}}, locations: [X]}\nfallback: {keep: true}\n"
    )
    compiled = compiled_rules(rules(text))
    assert _tests(compiled.definition["000 big"]) == {
        "$and": [ANCHOR, {"total_price__set": True}, {"$gte": {"total_price": 100.0}}]
    }
    # not (set and ≥ 100) = missing, or set and < 100 — each branch excluding the other.
    assert _tests(compiled.definition["001 small"])["$and"][1] == {
        "$or": [
            {"total_price__set": False},
            {"$and": [{"total_price__set": True}, {"$lt": {"total_price": 100.0}}]},
        ]
    }
    assert [(n.prop, n.set_prop) for n in compiled.schema.numbers] == [("total_price", "total_price__set")]


def test_patterns_substrings_and_line_conditions_become_python_flags_never_durable_regexes() -> None:
    text = (
        "strategies:\n  - id: f\n    when:\n      order_name: {matches: '^#B2B'}\n"
        "      destination_city: {contains: york}\n      any_line: {sku: {matches: '^NW-'}}\n"
        "    locations: [X]\nfallback: {keep: true}\n"
    )
    compiled = compiled_rules(rules(text))
    assert [flag.prop for flag in compiled.schema.flags] == [
        "order_name__0",
        "destination_city__1",
        "lines__2",
    ]
    assert "$mt" not in json.dumps(compiled.definition)


def test_holds_and_strategies_share_the_limit_and_the_message_names_the_rule() -> None:
    holds = "".join(f"  - {{id: h{i}, when: {{order_tags: [x{i}]}}, reason: OTHER}}\n" for i in range(40))
    strategies = "".join(f"  - {{id: s{i}, locations: [X]}}\n" for i in range(24))
    with pytest.raises(RuleSetError, match=r"strategy s23: a rule set holds at most 63 strategies and holds"):
        rules(f"holds:\n{holds}strategies:\n{strategies}fallback: {{keep: true}}\n")


def test_a_number_counts_twice_toward_the_property_limit() -> None:
    fields = ["total_price", "line_count", "total_quantity", "local_time", "local_date"]
    compiled = compile_rules([("a", None)])
    base = compiled.schema.property_count
    text = "strategies:\n  - id: n\n    when:\n" + "".join(f"      {f}: {{exists: true}}\n" for f in fields)
    text += "    locations: [X]\nfallback: {keep: true}\n"
    assert compiled_rules(rules(text)).schema.property_count == base + 2 * len(fields)
