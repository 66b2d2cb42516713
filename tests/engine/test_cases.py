"""The rule authors' test-case format (engine.cases): reading, building the snapshot, checking."""

from __future__ import annotations

import json

import pytest

from engine import RuleSetError, decide
from engine.cases import Case, case_snapshot, check_case, parse_cases

from .support import NEWARK, ROOT, SNAPSHOTS, default_rules

NEWARK_CASE = """\
rules: [routing.yaml]
cases:
  - name: moves to Newark
    snapshot: fixtures/snapshots/us-order-moves-to-newark.json
    expect:
      outcome: routed
      fulfillment_orders: [{action: move, from: Brooklyn Store, to: Newark DC, strategy: us-ship-complete}]
      intents: [move, set_metafield, add_tags]
      tags: [routing-engine:routed]
      trace_contains: "Newark DC ships complete"
      trace_lacks: [excluded]
"""


def _run(case: Case) -> list[str]:
    base = json.loads((ROOT / case.snapshot_file).read_text()) if case.snapshot_file else None
    snapshot = case_snapshot(case, base)
    return check_case(case, decide(snapshot, default_rules()), snapshot)


def test_a_case_reads_and_passes() -> None:
    (case,) = parse_cases("rules/tests/t.yaml", NEWARK_CASE)
    assert (case.name, case.rules, case.origin) == (
        "moves to Newark",
        ("routing.yaml",),
        "rules/tests/t.yaml:3:5",
    )
    assert case.expect.trace_contains == ("Newark DC ships complete",)
    assert _run(case) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("outcome: routed", "outcome: expected held, got routed"),
        ("to: Newark DC", "FO 7002: to expected Chicago DC, got Newark DC"),
        ("action: move", "FO 7002: action expected keep, got move"),
        ("strategy: us-ship-complete", "FO 7002: strategy expected None, got us-ship-complete"),
        (
            "intents: [move, set_metafield, add_tags]",
            "intents: expected ['move'], got ['move', 'set_metafield', 'add_tags']",
        ),
        (
            "tags: [routing-engine:routed]",
            "tags: expected `shipped` to be added, got ['routing-engine:routed']",
        ),
        ('trace_contains: "Newark DC ships complete"', "trace lacks “Chicago DC ships”"),
        ("trace_lacks: [excluded]", "trace contains “Newark DC”"),
    ],
)
def test_each_mismatch_is_one_message(change: str, message: str) -> None:
    wrong = {
        "outcome: routed": "outcome: held",
        "to: Newark DC": "to: Chicago DC",
        "action: move": "action: keep",
        "strategy: us-ship-complete": "strategy: null",
        "intents: [move, set_metafield, add_tags]": "intents: [move]",
        "tags: [routing-engine:routed]": "tags: [shipped]",
        'trace_contains: "Newark DC ships complete"': 'trace_contains: "Chicago DC ships"',
        "trace_lacks: [excluded]": "trace_lacks: [Newark DC]",
    }[change]
    (case,) = parse_cases("rules/tests/t.yaml", NEWARK_CASE.replace(change, wrong))
    assert message in _run(case)


def test_given_changes_the_snapshot_by_names() -> None:
    text = """\
cases:
  - name: given
    snapshot: fixtures/snapshots/us-order-moves-to-newark.json
    given:
      order: {financial_status: PENDING, tags: [vip], shipping_address: {zip: "10001"}}
      fulfillment_orders: {delivery_method: LOCAL}
      locations: {Newark DC: {is_active: false}}
      inventory: {NW-0005: {Newark DC: 0, Reno DC: 7}}
      location_load: {Chicago DC: 12}
      local_time: "2026-11-27T09:00:00-05:00"
    expect: {}
"""
    (case,) = parse_cases("rules/tests/t.yaml", text)
    base = json.loads((SNAPSHOTS / "us-order-moves-to-newark.json").read_text())
    snapshot = case_snapshot(case, base)
    assert snapshot.order.financial_status == "PENDING" and snapshot.order.tags == {"vip"}
    assert snapshot.order.shipping_address is not None and snapshot.order.shipping_address.zip == "10001"
    assert snapshot.order.shipping_address.country_code == "US"  # merged, not replaced
    assert snapshot.fulfillment_orders[0].delivery_method == "LOCAL"
    assert snapshot.location(NEWARK).is_active is False  # type: ignore[union-attr]
    levels = snapshot.inventory["gid://shopify/InventoryItem/1005"]
    assert levels[NEWARK] == 0 and levels["gid://shopify/Location/104"] == 7
    assert levels["gid://shopify/Location/102"] == 20  # the other levels stay
    assert snapshot.location_load == {"gid://shopify/Location/102": 12}
    assert snapshot.local_time == "2026-11-27T09:00:00-05:00"


def test_a_snapshot_may_be_written_inline() -> None:
    base = json.loads((SNAPSHOTS / "us-order-moves-to-newark.json").read_text())
    text = "cases:\n  - name: inline\n    snapshot: " + json.dumps(base) + "\n    expect: {outcome: routed}\n"
    (case,) = parse_cases("rules/tests/t.yaml", text)
    assert case.snapshot_file is None and _run(case) == []


def test_split_parts_are_checked_by_action_location_and_skus() -> None:
    text = """\
cases:
  - name: parts
    snapshot: fixtures/snapshots/us-order-moves-to-newark.json
    expect:
      fulfillment_orders:
        - parts: [{action: move, to: Newark DC, skus: NW-0003}]
"""
    (case,) = parse_cases("rules/tests/t.yaml", text)
    problems = _run(case)
    assert "FO 7002: expected 1 parts, got 0" in problems


def test_an_invalid_snapshot_names_the_case() -> None:
    text = "cases:\n  - name: bad\n    snapshot: {store: x}\n    expect: {}\n"
    (case,) = parse_cases("rules/tests/t.yaml", text)
    with pytest.raises(ValueError, match=r"rules/tests/t.yaml:2:5: case bad: the snapshot is not valid"):
        case_snapshot(case)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cases:\n  - name: a\n    expect: {}\n", ["rules/tests/t.yaml:2:5", "case a", "needs `snapshot:`"]),
        ("cases:\n  - name: a\n    snapshot: x.json\n", ["needs `expect:`"]),
        (
            "cases:\n  - name: a\n    snapshot: x.json\n    expected: {}\n",
            ["unknown key `expected`", "expect"],
        ),
        (
            "cases:\n  - name: a\n    snapshot: x.json\n    expect: {outcome: routed, trace: x}\n",
            ["unknown key `trace`", "trace_contains"],
        ),
        (
            "cases:\n  - name: a\n    snapshot: x.json\n    given: {inventroy: {}}\n    expect: {}\n",
            ["unknown key `inventroy`", "did you mean `inventory`?"],
        ),
        (
            "cases:\n  - name: a\n    snapshot: x.json\n    expect: {fulfillment_orders: [{act: move}]}\n",
            ["unknown key `act`", "action"],
        ),
        ("tests: []\n", ["unknown key `tests`", "a test file needs `cases:`"]),
        ("", ["the test file is empty"]),
        ("cases: [\n", ["not valid YAML"]),
    ],
)
def test_malformed_case_files_are_reported_with_places(text: str, expected: list[str]) -> None:
    with pytest.raises(RuleSetError) as caught:
        parse_cases("rules/tests/t.yaml", text)
    for part in expected:
        assert part in str(caught.value)
