"""`routing-engine rules test [DIR]`: the rule authors' own cases; 0 all pass, 1 any fails, 2 usage.

CI runs the repository's cases here, through the command authors run.
"""

from __future__ import annotations

from pathlib import Path

from .support import ONE_STRATEGY, RULES, cli, rules_dir

SNAPSHOT = "fixtures/snapshots/us-order-moves-to-newark.json"  # Brooklyn Store; Newark DC has stock
PASSING = f"""\
cases:
  - name: moves to Newark
    snapshot: {SNAPSHOT}
    expect:
      outcome: routed
      fulfillment_orders: [{{action: move, from: Brooklyn Store, to: Newark DC, strategy: us-first}}]
"""
FAILING = f"""\
cases:
  - name: expects Chicago
    snapshot: {SNAPSHOT}
    expect:
      outcome: held
      fulfillment_orders: [{{action: move, to: Chicago DC}}]
"""


def with_cases(tmp_path: Path, text: str, name: str = "cases.yaml", rules: str = ONE_STRATEGY) -> Path:
    directory = rules_dir(tmp_path, rules)
    (directory / "tests").mkdir(exist_ok=True)
    (directory / "tests" / name).write_text(text)
    return directory


def test_the_repository_cases_all_pass() -> None:
    run = cli("rules", "test", RULES)
    assert run.code == 0, run.out + run.err
    lines = run.out.splitlines()
    passed = [line for line in lines if line.startswith("  PASS  ")]
    assert lines[-1] == f"{len(passed)} cases: {len(passed)} passed, 0 failed"
    assert len(passed) >= 10 and not [line for line in lines if "FAIL" in line]


def test_a_passing_case_is_listed_under_its_file(tmp_path: Path) -> None:
    directory = with_cases(tmp_path, PASSING)
    run = cli("rules", "test", directory)  # the snapshot path resolves against the current directory
    assert run.code == 0, run.out + run.err
    assert run.out.splitlines() == [
        f"{directory}/tests/cases.yaml",
        "  PASS  moves to Newark",
        "1 case: 1 passed, 0 failed",
    ]


def test_a_failing_case_shows_each_difference_and_the_trace(tmp_path: Path) -> None:
    directory = with_cases(tmp_path, FAILING)
    run = cli("rules", "test", directory)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[1] == f"  FAIL  expects Chicago  ({directory}/tests/cases.yaml:2:5)"
    assert lines[2] == "        - outcome: expected held, got routed"
    assert lines[3].startswith("        - FO 7002") and "Chicago DC" in lines[3] and "Newark DC" in lines[3]
    assert "        trace:" in lines
    assert any(line.startswith("          [strategy] strategy us-first") for line in lines)
    assert lines[-1] == "1 case: 0 passed, 1 failed"


def test_a_case_file_with_an_unknown_key_is_reported_at_its_place(tmp_path: Path) -> None:
    directory = with_cases(tmp_path, PASSING.replace("    expect:", "    expected:"))
    run = cli("rules", "test", directory)
    assert run.code == 1
    assert (
        f"{directory}/tests/cases.yaml:4:5: case moves to Newark: unknown key `expected` in a case" in run.out
    )
    assert "    did you mean `expect`?" in run.out


def test_cases_given_with_cases_run_too(tmp_path: Path) -> None:
    directory = with_cases(tmp_path, PASSING)
    more = tmp_path / "more.yaml"
    more.write_text(FAILING)
    run = cli("rules", "test", directory, "--cases", more)
    assert run.code == 1
    assert run.out.splitlines()[-1] == "2 cases: 1 passed, 1 failed"


def test_a_case_for_rules_with_errors_fails_naming_them(tmp_path: Path) -> None:
    directory = with_cases(tmp_path, PASSING, rules=ONE_STRATEGY.replace("locations:", "locaitons:"))
    run = cli("rules", "test", directory)
    assert run.code == 1
    assert "        - the rule files have errors: " in run.out and "routing.yaml:5:5" in run.out


def test_a_case_naming_a_missing_rule_file_or_snapshot_fails_saying_so(tmp_path: Path) -> None:
    text = PASSING.replace("cases:", "rules: [examples/nope.yaml]\ncases:")
    run = cli("rules", "test", with_cases(tmp_path, text))
    assert run.code == 1 and "rule file " in run.out and "examples/nope.yaml does not exist" in run.out
    run = cli("rules", "test", with_cases(tmp_path, PASSING.replace(SNAPSHOT, "fixtures/nope.json")))
    assert run.code == 1 and "snapshot file fixtures/nope.json does not exist" in run.out


def test_no_cases_at_all_is_a_failure_not_a_pass(tmp_path: Path) -> None:
    run = cli("rules", "test", rules_dir(tmp_path))
    assert run.code == 1 and run.out.startswith("no test cases: write them in ")


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    assert cli("rules", "test", tmp_path / "nowhere").code == 2
    assert cli("rules", "test", rules_dir(tmp_path), "--cases", tmp_path / "nope").code == 2
