"""`routing-engine rules test [DIR] [--cases PATH …]`: run the rule authors' own test cases.

Cases live in `DIR/tests/*.yaml` (format: `engine.cases`, guide: rules/README.md). Each case
names the rule files it tests (`rules:`, relative to DIR; default: every `DIR/*.yaml`), a
snapshot file (relative to DIR's parent, the project, else to the current directory) or an
inline snapshot, and the decision it expects. Every distinct rule set is checked in a child
process first (all of them at once), as everywhere else, so a rule set that would hang
durable_rules fails its cases instead of hanging the run.

Output: per file, `PASS`/`FAIL` and the case name; under a failure, each difference and the
decision's trace. Exit codes: 0 every case passed (at least one ran), 1 a case failed or a case
file has errors (or there are none), 2 usage (no such folder or case path).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from adapters.rule_check import RuleChecker
from adapters.rule_files import RuleFilesMissing, accept_checked, read_rule_files
from adapters.rules_check import print_issues
from adapters.settings import ConfigurationError
from engine import RuleSet, RuleSetError, decide
from engine.cases import Case, case_snapshot, check_case, parse_cases

EXIT_OK, EXIT_FAILED = 0, 1

RulesKey = tuple[str, ...] | None  # a case's `rules:`; None: every rule file of the folder


@dataclass(frozen=True)
class CaseFile:
    path: Path
    cases: tuple[Case, ...]


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    broken_files: int = 0


def run_rule_tests(directory: Path, *, extra: Sequence[Path], checker: RuleChecker, out: TextIO) -> int:
    """Run every case and print the report; returns the exit code."""
    if not directory.is_dir():
        raise RuleFilesMissing(f"{directory} is not a directory of rule files")
    tally = Tally()
    files = _read_case_files([*sorted((directory / "tests").glob("*.yaml")), *_expand(extra)], tally, out)
    cases = [case for file in files for case in file.cases]
    if not cases and not tally.broken_files:
        print(f"no test cases: write them in {directory / 'tests'}/*.yaml (see rules/README.md)", file=out)
        return EXIT_FAILED
    rulesets = asyncio.run(_load_rulesets(directory, {case.rules for case in cases}, checker))
    snapshots = _Snapshots([directory.resolve().parent, Path.cwd()])
    for file in files:
        print(str(file.path), file=out)
        for case in file.cases:
            problems, trace = _run_case(case, rulesets[case.rules], snapshots)
            if problems:
                tally.failed += 1
                print(f"  FAIL  {case.name}  ({case.origin})", file=out)
                for problem in problems:
                    print(f"        - {problem}", file=out)
                if trace:
                    print("        trace:", file=out)
                    print("\n".join(f"          {line}" for line in trace.splitlines()), file=out)
            else:
                tally.passed += 1
                print(f"  PASS  {case.name}", file=out)
    print(_summary(tally), file=out)
    return EXIT_OK if tally.failed == 0 and tally.broken_files == 0 and tally.passed else EXIT_FAILED


def _read_case_files(paths: Sequence[Path], tally: Tally, out: TextIO) -> list[CaseFile]:
    files: list[CaseFile] = []
    for path in paths:
        try:
            files.append(CaseFile(path, tuple(parse_cases(str(path), path.read_text(encoding="utf-8")))))
        except RuleSetError as exc:
            tally.broken_files += 1
            print(f"{path}: the case file has errors", file=out)
            print_issues(exc.issues, out)
    return files


def _expand(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigurationError(f"--cases: {path} is neither a case file nor a folder of them")
    return found


async def _load_rulesets(
    directory: Path, keys: set[RulesKey], checker: RuleChecker
) -> dict[RulesKey, RuleSet | str]:
    """Each distinct rule set the cases name, checked in child processes at once; or why not."""
    files: dict[RulesKey, dict[str, str] | str] = {key: _rule_files(directory, key) for key in keys}
    pending = {key: found for key, found in files.items() if not isinstance(found, str)}
    results = await asyncio.gather(*(checker.check_async(found) for found in pending.values()))
    loaded: dict[RulesKey, RuleSet | str] = {k: v for k, v in files.items() if isinstance(v, str)}
    for (key, found), result in zip(pending.items(), results, strict=True):
        try:
            loaded[key] = accept_checked(found, result)
        except RuleSetError as exc:
            loaded[key] = "the rule files have errors: " + "; ".join(str(issue) for issue in exc.issues)
        except ConfigurationError as exc:
            loaded[key] = str(exc)
    return loaded


def _rule_files(directory: Path, key: RulesKey) -> dict[str, str] | str:
    if key is None:
        try:
            return read_rule_files(directory)
        except ConfigurationError as exc:
            return str(exc)
    missing = [name for name in key if not (directory / name).is_file()]
    if missing:
        return f"rule file {directory / missing[0]} does not exist (`rules:` is relative to {directory})"
    return {str(directory / name): (directory / name).read_text(encoding="utf-8") for name in key}


class _Snapshots:
    """Snapshot files by the path a case writes, read once each."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self._roots = roots
        self._read: dict[str, Mapping[str, Any] | str] = {}

    def get(self, name: str) -> Mapping[str, Any] | str:
        if name not in self._read:
            self._read[name] = self._load(name)
        return self._read[name]

    def _load(self, name: str) -> Mapping[str, Any] | str:
        candidates = [Path(name)] if Path(name).is_absolute() else [root / name for root in self._roots]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            return f"snapshot file {name} does not exist (looked in {', '.join(map(str, self._roots))})"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            return f"snapshot file {path}:{exc.lineno}:{exc.colno} is not JSON: {exc.msg}"
        return data if isinstance(data, dict) else f"snapshot file {path} does not hold a JSON object"


def _run_case(case: Case, ruleset: RuleSet | str, snapshots: _Snapshots) -> tuple[list[str], str]:
    """The differences from the expectation (or why the case could not run), and the trace."""
    if isinstance(ruleset, str):
        return [ruleset], ""
    base = snapshots.get(case.snapshot_file) if case.snapshot_file else None
    if isinstance(base, str):
        return [base], ""
    try:
        snapshot = case_snapshot(case, base)
    except ValueError as exc:
        return [str(exc)], ""
    try:
        decision = decide(snapshot, ruleset)
    except Exception as exc:  # an engine fault fails this case; the other cases still run
        return [f"decide() raised {type(exc).__name__}: {exc}"], ""
    return check_case(case, decision, snapshot), decision.explain()


def _summary(tally: Tally) -> str:
    total = tally.passed + tally.failed
    line = f"{total} case{'s' if total != 1 else ''}: {tally.passed} passed, {tally.failed} failed"
    if tally.broken_files:
        line += f"; {tally.broken_files} case file{'s' if tally.broken_files != 1 else ''} with errors"
    return line
