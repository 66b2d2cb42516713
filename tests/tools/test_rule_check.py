"""The child-process check: a rule set is parsed, compiled and exercised away from the caller.

durable_rules hangs (GIL held) or crashes on some shapes; whatever the child meets, the caller
gets a verdict within the timeout and keeps running.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from adapters.rule_check import CheckFailed, CheckPassed, RuleChecker, read_answer
from adapters.rule_probes import probe_snapshots
from engine import decide, parse_ruleset

from .support import ONE_STRATEGY, RULES, hazard_checker, many_strategies

FILE = "rules/routing.yaml"


def test_a_good_rule_set_passes_with_the_version_this_process_would_compute() -> None:
    result = RuleChecker().check({FILE: ONE_STRATEGY})
    assert result == CheckPassed(parse_ruleset({FILE: ONE_STRATEGY}).version)


def test_errors_come_back_with_their_place_rule_and_fix() -> None:
    result = RuleChecker().check({FILE: ONE_STRATEGY.replace("locations:", "locaitons:")})
    assert isinstance(result, CheckFailed)
    (issue,) = [i for i in result.issues if "locaitons" in i.message]
    assert (str(issue.mark), issue.subject) == (f"{FILE}:5:5", "strategy us-first")
    assert "locations" in issue.hint
    assert result.reason.endswith("in the rule files")


def test_a_rule_set_beyond_a_durable_rules_limit_is_rejected_naming_the_rule() -> None:
    result = RuleChecker().check({FILE: many_strategies(64)})
    assert isinstance(result, CheckFailed)
    (issue,) = result.issues
    assert (
        issue.subject == "strategy s63" and "at most 63" in issue.message and "durable_rules" in issue.message
    )


def test_a_child_that_hangs_with_the_gil_held_is_killed_at_the_timeout() -> None:
    started = time.monotonic()
    result = hazard_checker(timeout_seconds=1.0).check({FILE: ONE_STRATEGY + "# hazard: hang\n"})
    assert isinstance(result, CheckFailed)
    assert "did not finish within 1 s" in result.reason and "killed" in result.reason
    assert time.monotonic() - started < 10


async def test_the_async_check_kills_a_hanging_child_too() -> None:
    started = time.monotonic()
    result = await hazard_checker(timeout_seconds=1.0).check_async({FILE: ONE_STRATEGY + "# hazard: hang\n"})
    assert isinstance(result, CheckFailed) and "did not finish" in result.reason
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("blocking", [True, False])
async def test_a_child_that_crashes_is_reported_by_its_signal(blocking: bool) -> None:
    files = {FILE: ONE_STRATEGY + "# hazard: crash\n"}
    checker = hazard_checker()
    result = checker.check(files) if blocking else await checker.check_async(files)
    # Memory corruption: SIGSEGV or SIGABRT, depending on what it tramples.
    assert isinstance(result, CheckFailed) and result.reason.startswith("the check crashed (SIG")
    assert result.reason.endswith("): durable_rules cannot run this rule set")


def test_a_child_that_fails_in_python_is_reported_with_its_last_words() -> None:
    result = read_answer(1, b"", b"Traceback (most recent call last):\n  ...\nKeyError: 'files'\n")
    assert result == CheckFailed("the check failed (exit code 1): KeyError: 'files'")


def test_the_child_checks_the_text_it_is_given_not_the_disk() -> None:
    # The parent reads the files once and hands that text over: no race with an editor saving.
    assert RuleChecker().check({"nowhere/x.yaml": ONE_STRATEGY}) == CheckPassed(
        parse_ruleset({"nowhere/x.yaml": ONE_STRATEGY}).version
    )


@pytest.mark.parametrize(
    "path", [RULES / "routing.yaml", *sorted((RULES / "examples").glob("*.yaml"))], ids=lambda p: p.name
)
def test_the_probes_give_the_strategies_of_every_example_candidates_to_weigh(path: Path) -> None:
    # Probe orders sit at locations named as the rules name them, so candidates, exclusions,
    # ranking and allocation run in the child, not first in the service.
    ruleset = parse_ruleset({str(path): path.read_text()})
    decisions = [decide(snapshot, ruleset) for snapshot in probe_snapshots(ruleset)]
    steps = {entry.step for decision in decisions for entry in decision.trace}
    assert steps & {"candidate", "rank", "split"}, steps
    assert RuleChecker().check({str(path): path.read_text()}) == CheckPassed(ruleset.version)
