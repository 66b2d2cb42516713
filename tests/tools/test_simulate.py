"""`routing-engine simulate`: the decision for one order and the trace that explains it; writes nothing.

Exit codes: 0 decided, 2 bad input (the message says what is wrong and where).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from adapters.settings import Settings
from adapters.simulate import read_snapshot_file, simulate
from engine import Decision, Snapshot, decide, parse_ruleset

from .support import RULES, SNAPSHOTS, cli, rules_dir

FIXTURES = sorted(path.stem for path in SNAPSHOTS.glob("*.json"))
DEFAULT_RULES = parse_ruleset({str(RULES / "routing.yaml"): (RULES / "routing.yaml").read_text()})


def simulated(name: str, *, as_json: bool = False) -> str:
    out = io.StringIO()
    snapshot = read_snapshot_file(SNAPSHOTS / f"{name}.json")
    assert simulate(snapshot, settings=Settings(), rules_dir=RULES, as_json=as_json, out=out) == 0
    return out.getvalue()


def expected(name: str) -> Decision:
    return decide(Snapshot.model_validate_json((SNAPSHOTS / f"{name}.json").read_text()), DEFAULT_RULES)


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_snapshot_prints_its_outcome_actions_and_whole_trace(name: str) -> None:
    decision = expected(name)
    text = simulated(name)
    lines = text.splitlines()
    assert lines[0] == f"{decision.order_name} ({decision.order_id}) on {decision.store}"
    assert lines[1].split() == ["outcome:", decision.outcome, "rule", "set", decision.ruleset_version]
    for fo in decision.fulfillment_orders:
        number = fo.fulfillment_order_id.rsplit("/", 1)[1]
        assert any(line.startswith(f"  FO {number}  {fo.action}") for line in lines)
    trace = lines[lines.index("trace:") + 1 :]
    assert trace == [f"  {line}" for line in decision.explain().splitlines()]


@pytest.mark.parametrize("name", FIXTURES)
def test_json_prints_the_decision_itself(name: str) -> None:
    assert Decision.model_validate_json(simulated(name, as_json=True)) == expected(name)


def test_a_move_shows_from_and_to_by_location_name_and_the_strategy() -> None:
    text = simulated("us-order-moves-to-newark")
    assert "  FO 7002  move  Brooklyn Store → Newark DC\n      strategy us-ship-complete\n" in text
    assert "  1. move FO 7002: Brooklyn Store → Newark DC\n" in text


def test_a_hold_shows_its_reason_and_note() -> None:
    text = simulated("us-order-out-of-stock")
    assert "  FO 7004  hold  held at Brooklyn Store\n" in text
    assert (
        "      hold INVENTORY_OUT_OF_STOCK: No location can ship #1004 complete. "
        "Short: NW-0007 (need 3, have 1) at Newark DC\n"
    ) in text
    assert "handle routing-engine.inventory-out-of-stock" in text


def test_a_skipped_order_says_why_and_that_nothing_is_written() -> None:
    text = simulated("order-held-by-merchant")
    assert "      held by the merchant or another app (reason HIGH_RISK_OF_FRAUD)\n" in text
    assert "intents: none (nothing to write)" in text


def test_the_command_uses_the_rules_it_is_given(tmp_path: Path) -> None:
    keep = rules_dir(tmp_path, "fallback:\n  keep: true\n")
    run = cli("simulate", SNAPSHOTS / "us-order-out-of-stock.json", "--rules", keep)
    assert run.code == 0, run.err
    assert "FO 7004  keep  stays at Brooklyn Store" in run.out


def test_the_command_prints_json_with_json(tmp_path: Path) -> None:
    run = cli("simulate", SNAPSHOTS / "us-order-moves-to-newark.json", "--rules", RULES, "--json")
    assert run.code == 0
    assert json.loads(run.out)["outcome"] == "routed"


def test_a_missing_snapshot_file_exits_2(tmp_path: Path) -> None:
    run = cli("simulate", tmp_path / "nope.json", "--rules", RULES)
    assert run.code == 2 and f"SNAPSHOT_FILE: {tmp_path}/nope.json does not exist" in run.err


def test_a_file_that_is_not_json_exits_2_with_its_place(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"store": "x",\n  oops}')
    run = cli("simulate", broken, "--rules", RULES)
    assert run.code == 2 and f"{broken}:2:3: not JSON: Expecting property name" in run.err


def test_json_that_is_not_a_snapshot_exits_2_naming_each_field(tmp_path: Path) -> None:
    raw = json.loads((SNAPSHOTS / "us-order-moves-to-newark.json").read_text())
    del raw["fulfillment_orders"][0]["status"]
    raw["order"]["colour"] = "blue"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(raw))
    run = cli("simulate", wrong, "--rules", RULES)
    assert run.code == 2
    assert f"{wrong} is not a snapshot:" in run.err
    assert "  order.colour: Extra inputs are not permitted" in run.err
    assert "  fulfillment_orders.0.status: Field required" in run.err


def test_rules_with_errors_exit_2_with_their_place(tmp_path: Path) -> None:
    bad = rules_dir(tmp_path, "fallback:\n  keep: yes please\n")
    run = cli("simulate", SNAPSHOTS / "us-order-moves-to-newark.json", "--rules", bad)
    assert run.code == 2 and f"{bad}/routing.yaml:2:9: fallback:" in run.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a SNAPSHOT_FILE or --order GID"),
        (
            (str(SNAPSHOTS / "us-order-moves-to-newark.json"), "--order", "gid://shopify/Order/1"),
            "one of them",
        ),
        (("--order", "gid://shopify/Order/1"), "--order: needs ROUTING_STORES_FILE"),
        (
            (str(SNAPSHOTS / "us-order-moves-to-newark.json"), "--store", "x.myshopify.com"),
            "--store: only with",
        ),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    run = cli("simulate", *args)
    assert run.code == 2 and message in run.err


def test_a_vendor_decision_shows_the_purchase_order_and_its_deadline(tmp_path: Path) -> None:
    example = (RULES / "examples" / "07-drop-ship-vendors.yaml").read_text()
    acme = rules_dir(tmp_path, example)
    run = cli("simulate", SNAPSHOTS / "us-order-acme-drop-ships.json", "--rules", acme)
    assert run.code == 0, run.err
    assert "  FO 7042  move  Brooklyn Store → Acme Drop-ship\n" in run.out
    lines = "NW-0011 ×2, NW-0012 ×1, NW-0013 ×1, NW-0014 ×3"
    assert f"purchase order to Acme Outdoor for FO 7042 ({lines})" in run.out
    assert "held until Acme Outdoor accepts within 4 h (by 2026-11-27 19:00 UTC if sent now)" in run.out
