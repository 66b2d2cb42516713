"""Rule files are read strictly; every mistake is reported with file:line:column and a fix."""

from __future__ import annotations

import textwrap

import pytest

from engine import HoldFallback, KeepFallback, RuleSetError, parse_ruleset
from engine.conditions import AllOf, AnyOf, Compare, Not

from .support import ROOT, US, default_rules

GOOD = """\
strategies:
  - id: vip-fast
    when:
      store: [north-wind-us.myshopify.com]
      order_tags: {any_of: [VIP, "Gold Member"], none_of: [wholesale]}
      destination_country: [us, ca]
      delivery_method: SHIPPING
      not:
        any:
          - order_tags: {all_of: [b2b]}
          - destination_country: PR
    locations: [Newark DC, "gid://shopify/Location/102"]
  - id: everything-else
    locations: [Dallas DC]
fallback:
  keep: true
"""


def _error(text: str, name: str = "rules/test.yaml") -> str:
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset({name: textwrap.dedent(text)})
    return str(caught.value)


def test_parses_the_default_rule_file() -> None:
    ruleset = default_rules()
    assert [s.id for s in ruleset.strategies] == ["us-ship-complete", "ca-ship-complete"]
    assert ruleset.strategies[0].locations == (
        "Newark DC",
        "Chicago DC",
        "Dallas DC",
        "Reno DC",
        "Brooklyn Store",
    )
    assert ruleset.strategies[0].when == Compare(field="store", op="in", values=(US,))
    assert ruleset.fallback == HoldFallback(
        reason="INVENTORY_OUT_OF_STOCK", note="No location can ship {order} complete. Short: {short_skus}"
    )
    assert ruleset.files == ("rules/routing.yaml",)
    assert len(ruleset.version) == 12


def test_parses_every_condition_form_into_field_operator_values() -> None:
    ruleset = parse_ruleset({"rules/test.yaml": GOOD})
    vip, rest = ruleset.strategies
    assert vip.when == AllOf(
        conditions=(
            Compare(field="store", op="in", values=(US,)),
            AllOf(
                conditions=(
                    Compare(field="order_tags", op="any_of", values=("vip", "gold member")),
                    Compare(field="order_tags", op="none_of", values=("wholesale",)),
                )
            ),
            Compare(field="destination_country", op="in", values=("US", "CA")),
            Compare(field="delivery_method", op="in", values=("SHIPPING",)),
            Not(
                condition=AnyOf(
                    conditions=(
                        Compare(field="order_tags", op="all_of", values=("b2b",)),
                        Compare(field="destination_country", op="in", values=("PR",)),
                    )
                )
            ),
        )
    )
    assert rest.when is None
    assert rest.allocation == "ship_complete"
    assert ruleset.fallback == KeepFallback()
    assert vip.origin == "rules/test.yaml:2:5"


def test_strategies_of_several_files_come_in_file_name_order() -> None:
    first = "strategies:\n  - id: a\n    locations: [Newark DC]\n"
    second = "strategies:\n  - id: b\n    locations: [Reno DC]\nfallback: {keep: true}\n"
    ruleset = parse_ruleset({"rules/20-second.yaml": second, "rules/10-first.yaml": first})
    assert [s.id for s in ruleset.strategies] == ["a", "b"]


def test_version_ignores_comments_and_layout_but_not_content() -> None:
    text = (ROOT / "rules" / "routing.yaml").read_text()
    version = default_rules().version
    relaid = "# a new comment\n" + text.replace(
        "[Toronto DC, Montreal DC, Vancouver DC]",
        "\n      - Toronto DC\n      - Montreal DC\n      - Vancouver DC",
    )
    assert parse_ruleset({"rules/routing.yaml": relaid}).version == version
    reordered = text.replace(
        "[Toronto DC, Montreal DC, Vancouver DC]", "[Montreal DC, Toronto DC, Vancouver DC]"
    )
    assert parse_ruleset({"rules/routing.yaml": reordered}).version != version


KEEP = "fallback: {keep: true}\n"


def _when(condition: str) -> str:
    return f"strategies:\n  - id: a\n    when: {condition}\n    locations: [A]\n{KEEP}"


REJECTIONS = [
    pytest.param(
        "strategies:\n  - id: a\n    locaitons: [Newark DC]\nfallback: {keep: true}\n",
        ["rules/test.yaml:3:5", "strategy a", "unknown key `locaitons`", "did you mean `locations`?"],
        id="unknown-strategy-key",
    ),
    pytest.param(
        "strategies: []\nfalback: {keep: true}\n",
        ["rules/test.yaml:2:1", "unknown key `falback`", "did you mean `fallback`?"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        _when("{stores: x}"),
        ["rules/test.yaml:3:12", "strategy a", "unknown condition `stores`", "did you mean `store`?"],
        id="unknown-condition",
    ),
    pytest.param(
        _when("{order_tags: {some_of: [x]}}"),
        ["rules/test.yaml:3:25", "`order_tags` has no operator `some_of`", "any_of"],
        id="unknown-operator",
    ),
    pytest.param(
        "fallback:\n  hold:\n    reason: OUT_OF_STOCK\n    note: x\n",
        [
            "rules/test.yaml:3:13",
            "fallback",
            "`OUT_OF_STOCK` is not a FulfillmentHoldReason",
            "INVENTORY_OUT_OF_STOCK",
        ],
        id="bad-hold-reason",
    ),
    pytest.param(
        "strategies:\n  - id: a\n    locations: [Newark DC\nfallback: {keep: true}\n",
        ["rules/test.yaml:4:", "not valid YAML", "check indentation and quoting"],
        id="bad-yaml",
    ),
    pytest.param(
        _when("{destination_country: [US, NO]}"),
        ["rules/test.yaml:3:38", "YAML read a bool here", "put the value in quotes"],
        id="norway-problem",
    ),
    pytest.param(
        _when("{destination_country: USA}"),
        ["rules/test.yaml:3:33", "`USA` is not a valid `destination_country`", "two-letter ISO country code"],
        id="bad-country",
    ),
    pytest.param(
        _when("{delivery_method: SHIPPNG}"),
        ["rules/test.yaml:3:29", "`SHIPPNG` is not a valid `delivery_method`", "did you mean `SHIPPING`?"],
        id="bad-delivery-method",
    ),
    pytest.param(
        "strategies:\n  - id: a\n    locations: [A]\n  - id: a\n    locations: [B]\nfallback: {keep: true}\n",
        ["rules/test.yaml:4:5", "strategy a", "id already used at rules/test.yaml:2:5"],
        id="duplicate-id",
    ),
    pytest.param(
        "strategies:\n  - id: a\n    locations: [A]\n",
        ["rules/test.yaml:1:1", "no `fallback:`", "fallback: {keep: true}"],
        id="missing-fallback",
    ),
    pytest.param(
        "strategies:\n  - id: a\nfallback: {keep: true}\n",
        ["rules/test.yaml:2:5", "strategy a", "needs `locations:`"],
        id="missing-locations",
    ),
    pytest.param(
        "strategies:\n  - id: a\n    locations: []\nfallback: {keep: true}\n",
        ["rules/test.yaml:3:16", "must not be an empty list"],
        id="empty-locations",
    ),
    pytest.param(
        "strategies:\n  - id: A Strategy\n    locations: [X]\nfallback: {keep: true}\n",
        ["rules/test.yaml:2:9", "strategy A Strategy", "not a valid id", "lower-case letters"],
        id="bad-id",
    ),
    pytest.param(
        "strategies:\n  - id: a\n    locations: [X]\n    allocation: nearest\nfallback: {keep: true}\n",
        ["rules/test.yaml:4:17", "unknown allocation `nearest`", "allocation: ship_complete"],
        id="unknown-allocation",
    ),
    pytest.param(
        "fallback:\n  hold: {reason: OTHER, note: 'Short {skus}'}\n",
        ["rules/test.yaml:2:31", "unknown placeholder {skus}", "{short_skus}"],
        id="bad-note-placeholder",
    ),
    pytest.param(
        "fallback:\n  keep: true\n  hold: {reason: OTHER}\n",
        ["rules/test.yaml:2:3", "exactly one of `hold:` or `keep:`"],
        id="fallback-both",
    ),
    pytest.param(
        "strategies:\n  - id: a\n    locations: [X]\n    locations: [Y]\nfallback: {keep: true}\n",
        ["rules/test.yaml:4:5", "key `locations` appears twice"],
        id="duplicate-key",
    ),
    pytest.param(
        "strategies:\n  - id: a\n    when: {any: []}\n    locations: [X]\nfallback: {keep: true}\n",
        ["rules/test.yaml:3:17", "`any:` must list at least one condition"],
        id="empty-any",
    ),
]


@pytest.mark.parametrize(("text", "expected"), REJECTIONS)
def test_rejects_with_position_rule_and_fix(text: str, expected: list[str]) -> None:
    message = _error(text)
    for part in expected:
        assert part in message


def test_reports_every_problem_at_once_in_file_order() -> None:
    text = (
        "strategies:\n  - id: a\n    locaitons: [X]\n  - id: b\n    locations: [Y]\n    when: {store: []}\n"
    )
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset({"rules/test.yaml": text})
    lines = [issue.mark.line for issue in caught.value.issues]
    assert lines == sorted(lines)
    assert len(caught.value.issues) >= 3  # unknown key, missing locations, empty store, no fallback


def test_a_second_fallback_in_another_file_is_rejected() -> None:
    with pytest.raises(RuleSetError, match=r"rules/b.yaml:1:1: fallback: a second `fallback:`"):
        parse_ruleset(
            {"rules/a.yaml": "fallback: {keep: true}\n", "rules/b.yaml": "fallback: {keep: true}\n"}
        )


def test_a_rule_set_round_trips_through_json_with_its_version() -> None:
    ruleset = parse_ruleset({"rules/test.yaml": GOOD})
    again = type(ruleset).model_validate_json(ruleset.model_dump_json())
    assert again == ruleset
    assert again.version == ruleset.version


def test_an_alias_inside_its_own_anchor_is_an_error_not_a_crash() -> None:
    """Found by fuzzing: `&a [x, *a]` is a list that contains itself; rules are finite."""
    with pytest.raises(RuleSetError, match="an alias refers to a node that contains it"):
        parse_ruleset(
            {"rules/loop.yaml": "strategies: &s\n  - {id: x, locations: *s}\nfallback: {keep: true}\n"}
        )
