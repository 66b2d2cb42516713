"""The condition language: every field and operator reads into field + operator + values, and
every mistake is reported at its place with what to write instead."""

from __future__ import annotations

import pytest

from engine import RuleSetError, parse_ruleset
from engine.conditions import AllOf, Compare, Condition, Lines, Not, describe

KEEP = "fallback: {keep: true}\n"


def _when(condition: str) -> Condition | None:
    text = f"strategies:\n  - id: a\n    when: {condition}\n    locations: [Newark DC]\n{KEEP}"
    return parse_ruleset({"rules/test.yaml": text}).strategies[0].when


def _error(condition: str) -> str:
    text = f"strategies:\n  - id: a\n    when: {condition}\n    locations: [Newark DC]\n{KEEP}"
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset({"rules/test.yaml": text})
    return str(caught.value)


READS = [
    ("{total_price: {'>=': 100}}", Compare(field="total_price", op="gte", values=("100",))),
    ("{total_price: {lt: 99.5}}", Compare(field="total_price", op="lt", values=("99.5",))),
    ("{total_price: [10, 20]}", Compare(field="total_price", op="in", values=("10", "20"))),
    ("{currency: usd}", Compare(field="currency", op="in", values=("USD",))),
    ("{sales_channel: {not_in: [POS]}}", Compare(field="sales_channel", op="not_in", values=("pos",))),
    (
        "{financial_status: {'not in': [paid]}}",
        Compare(field="financial_status", op="not_in", values=("PAID",)),
    ),
    ("{order_name: {matches: '^#B2B-'}}", Compare(field="order_name", op="matches", values=("^#B2B-",))),
    ("{order_name: {contains: B2B}}", Compare(field="order_name", op="contains", values=("b2b",))),
    ("{order_name: {equals: '#1001'}}", Compare(field="order_name", op="equals", values=("#1001",))),
    ("{customer_tags: {contains: VIP}}", Compare(field="customer_tags", op="contains", values=("vip",))),
    ("{order_tags: {in: [a, b]}}", Compare(field="order_tags", op="any_of", values=("a", "b"))),
    ("{order_tags: {matches: '^wh'}}", Compare(field="order_tags", op="matches", values=("^wh",))),
    ("{order_tags: {exists: true}}", Compare(field="order_tags", op="exists", values=())),
    ("{destination_zip: {missing: true}}", Compare(field="destination_zip", op="missing", values=())),
    ("{destination_zip: {exists: false}}", Compare(field="destination_zip", op="missing", values=())),
    (
        "{destination_province: [ny, 'ON']}",
        Compare(field="destination_province", op="in", values=("NY", "ON")),
    ),
    (
        "{assigned_location: Brooklyn Store}",
        Compare(field="assigned_location", op="in", values=("brooklyn store",)),
    ),
    ("{weekday: [mon-wed, sat]}", Compare(field="weekday", op="in", values=("mon", "tue", "wed", "sat"))),
    ("{weekday: Friday}", Compare(field="weekday", op="in", values=("fri",))),
    ("{local_time: {'>=': '9:05'}}", Compare(field="local_time", op="gte", values=("09:05",))),
    ("{local_date: [2026-12-24]}", Compare(field="local_date", op="in", values=("2026-12-24",))),
    ("{line_count: {'>': 5}}", Compare(field="line_count", op="gt", values=("5",))),
    (
        "{metafield.custom.gift_wrap: {equals: 'Yes'}}",
        Compare(field="metafield.custom.gift_wrap", op="equals", values=("yes",)),
    ),
    (
        "{any_line: {sku: {matches: '^NW-'}, quantity: {'>=': 2}}}",
        Lines(
            quantifier="any",
            condition=AllOf(
                conditions=(
                    Compare(field="sku", op="matches", values=("^NW-",)),
                    Compare(field="quantity", op="gte", values=("2",)),
                )
            ),
        ),
    ),
    (
        "{all_lines: {requires_shipping: true}}",
        Lines(quantifier="all", condition=Compare(field="requires_shipping", op="equals", values=("true",))),
    ),
    (
        "{not: {any_line: {vendor: [Acme]}}}",
        Not(condition=Lines(quantifier="any", condition=Compare(field="vendor", op="in", values=("acme",)))),
    ),
]


@pytest.mark.parametrize(("written", "model"), READS, ids=[w for w, _ in READS])
def test_reads_each_field_and_operator(written: str, model: Condition) -> None:
    assert _when(written) == model


REJECTIONS = [
    ("{total_price: {'>=': '100'}}", ["3:32", "takes a number, YAML read a str here", "write e.g. `100`"]),
    ("{total_price: {about: 100}}", ["`total_price` has no operator `about`"]),
    ("{total_price: {lt: [1, 2]}}", ["`lt` takes one value"]),
    ("{order_tags: {lt: 3}}", ["`order_tags` has no operator `lt`"]),
    (
        "{local_time: {'>=': 15:00}}",
        ["`local_time` must be text, YAML read a int here", "put the value in quotes"],
    ),
    ("{local_time: {'>=': '25:00'}}", ["`25:00` is not a time of day", "24-hour time"]),
    ("{local_date: [2026-13-01]}", ["`2026-13-01` is not a date", "YYYY-MM-DD"]),
    ("{weekday: [someday]}", ["`someday` is not a weekday", "mon-fri"]),
    ("{order_name: {matches: '(unclosed'}}", ["not a valid pattern", "Python regular expression"]),
    ("{order_name: {matches: '(a+)+$'}}", ["can take exponential time"]),
    ("{destination_zip: {exists: yes please}}", ["`exists` takes `true` or `false`"]),
    ("{metafield.custom: x}", ["unknown condition `metafield.custom`"]),
    ("{any_line: {store: x}}", ["unknown condition `store`", "sku"]),
    ("{any_line: {any_line: {sku: x}}}", ["unknown condition `any_line`"]),
    ("{all_lines: {requires_shipping: maybe}}", ["`requires_shipping` takes `true` or `false`"]),
]


@pytest.mark.parametrize(("written", "expected"), REJECTIONS, ids=[w for w, _ in REJECTIONS])
def test_rejects_with_position_and_fix(written: str, expected: list[str]) -> None:
    message = _error(written)
    assert "rules/test.yaml:3:" in message and "strategy a" in message
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("{total_price: {'>=': 100}, currency: USD}", "total_price ≥ 100 and currency in [USD]"),
        ("{destination_zip: {missing: true}}", "destination_zip is missing"),
        ("{any_line: {product_type: [Tents]}}", "any line: product_type in [tents]"),
        ("{not: {weekday: [sat, sun]}}", "not (weekday in [sat, sun])"),
    ],
)
def test_conditions_read_back_in_words_for_the_trace(written: str, words: str) -> None:
    condition = _when(written)
    assert condition is not None and describe(condition) == words
