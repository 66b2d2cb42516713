"""durable_rules (compiled conditions) and the Python evaluator (flags, lines, restrictions)
give the same answer for every condition on every order, missing values included."""

from __future__ import annotations

import pytest

from engine import Snapshot, parse_ruleset
from engine.conditions import Condition
from engine.evaluate import holds, open_lines
from engine.facts import build_fact
from engine.fields import Value, field_spec
from engine.matcher import compiled_rules, match

from .support import snapshot, with_fo, with_order

CONDITIONS = [
    "{total_price: {'>=': 250}}",
    "{total_price: {'<': 250}}",
    "{total_price: {not_in: [275.5]}}",
    "{not: {total_price: {'>': 100}}}",
    "{total_price: {missing: true}}",
    "{currency: USD}",
    "{financial_status: {not_in: [PAID]}}",
    "{financial_status: {exists: true}}",
    "{sales_channel: [web, pos]}",
    "{customer_tags: {contains: vip}}",
    "{customer_tags: {missing: true}}",
    "{order_tags: {none_of: [vip, rush]}}",
    "{order_tags: {all_of: [vip, rush]}}",
    "{order_tags: {matches: '^ru'}}",
    "{order_name: {matches: '10[0-4]2$'}}",
    "{order_name: {contains: '#10'}}",
    "{destination_zip: {matches: '^9'}}",
    "{destination_zip: {missing: true}}",
    "{destination_province: [CA, NY]}",
    "{assigned_location: Brooklyn Store}",
    "{weekday: [fri]}",
    "{weekday: {not_in: [sat, sun]}}",
    "{local_time: {'>=': '15:00'}}",
    "{not: {local_time: {'<': '15:00'}}}",
    "{local_date: {'>': 2026-11-26}}",
    "{line_count: {'>=': 3}}",
    "{total_quantity: [3, 7]}",
    "{metafield.custom.gift_wrap: {equals: 'yes'}}",
    "{metafield.custom.gift_wrap: {missing: true}}",
    "{any_line: {product_type: [Tents]}}",
    "{all_lines: {unit_price: {'<': 100}}}",
    "{any_line: {not: {vendor: [Acme Outdoor]}, quantity: {'>=': 2}}}",
    "{any: [{order_tags: [vip]}, {total_price: {'>': 200}}, {weekday: [fri]}]}",
    "{not: {any: [{customer_tags: [vip]}, {any_line: {sku: {matches: '^NW-001'}}}]}}",
]


def _variants() -> list[Snapshot]:
    rich = snapshot("us-order-four-lines-to-los-angeles")
    plain = snapshot("us-order-moves-to-newark")  # no price, channel, payment, time, coordinates
    return [
        rich,
        plain,
        with_order(rich, tags=frozenset({"RUSH", "vip"}), customer_tags=frozenset(), financial_status=None),
        with_order(rich, total_price=250.0, metafields={"custom.gift_wrap": "YES"}, name="#1042"),
        rich.model_copy(update={"local_time": "2026-11-28T08:00:00-05:00"}),
        rich.model_copy(update={"local_time": None}),
        with_fo(rich, destination=None),
    ]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_durable_rules_and_python_agree(condition: str) -> None:
    text = f"strategies:\n  - id: a\n    when: {condition}\n    locations: [X]\nfallback: {{keep: true}}\n"
    ruleset = parse_ruleset({"rules/test.yaml": text})
    when = ruleset.strategies[0].when
    assert when is not None
    schema = compiled_rules(ruleset).schema
    for variant in _variants():
        (found,) = match(ruleset, [build_fact(variant, variant.fulfillment_orders[0], schema)])
        assert (0 in found) == _python(when, variant), (condition, variant.order.name, variant.local_time)


def _python(when: Condition, variant: Snapshot) -> bool:
    fo = variant.fulfillment_orders[0]

    def read(name: str) -> Value:
        spec = field_spec(name)
        assert spec is not None
        return spec.read(variant, fo)

    return holds(when, read, lambda: open_lines(fo))


def test_the_conditions_cover_both_answers() -> None:
    """The table is only a check if conditions hold for some variants and not for others."""
    answers = set()
    for condition in CONDITIONS:
        text = (
            f"strategies:\n  - id: a\n    when: {condition}\n    locations: [X]\nfallback: {{keep: true}}\n"
        )
        ruleset = parse_ruleset({"rules/test.yaml": text})
        schema = compiled_rules(ruleset).schema
        for variant in _variants():
            (found,) = match(ruleset, [build_fact(variant, variant.fulfillment_orders[0], schema)])
            answers.add((condition, 0 in found))
    both = {c for c in CONDITIONS if (c, True) in answers and (c, False) in answers}
    assert len(both) >= len(CONDITIONS) * 2 // 3
