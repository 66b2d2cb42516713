"""The rule authors' own cases (rules/tests/*.yaml) pass, run the way `rules test` runs them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from engine import RuleSet, decide, parse_ruleset
from engine.cases import Case, case_snapshot, check_case, parse_cases

from .support import ROOT

RULES = ROOT / "rules"
CASE_FILES = sorted((RULES / "tests").glob("*.yaml"))


@cache
def _ruleset(files: tuple[str, ...] | None) -> RuleSet:
    paths = [RULES / name for name in files] if files else sorted(RULES.glob("*.yaml"))
    return parse_ruleset({str(path.relative_to(ROOT)): path.read_text() for path in paths})


def _cases() -> list[Case]:
    found: list[Case] = []
    for path in CASE_FILES:
        found.extend(parse_cases(str(path.relative_to(ROOT)), path.read_text()))
    return found


def test_there_are_cases_for_the_default_rules_and_every_example() -> None:
    examples = sorted(path.stem for path in (RULES / "examples").glob("*.yaml"))
    tested = {name for case in _cases() for name in case.rules or ()}
    assert {f"examples/{example}.yaml" for example in examples} <= tested
    assert any(case.rules is None for case in _cases())


@pytest.mark.parametrize("case", _cases(), ids=lambda case: f"{Path(case.origin).stem}: {case.name}")
def test_rule_case(case: Case) -> None:
    base = json.loads((ROOT / case.snapshot_file).read_text()) if case.snapshot_file else None
    snapshot = case_snapshot(case, base)
    decision = decide(snapshot, _ruleset(case.rules))
    assert check_case(case, decision, snapshot) == [], decision.explain()
