"""The strict parser of rule files: YAML text in, a frozen `RuleSet` out.

See rules/README.md for the format. `parse_ruleset` takes `{file name: text}` (the adapters
read the disk), reports every problem at once as a `RuleSetError`, and checks the limits of
durable_rules by compiling the conditions, so a rule set that parses will also run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.compiler import compile_rules
from engine.errors import Mark, RuleIssue, RuleSetError
from engine.policy import GroupRef, LocationGroup, LocationSettings
from engine.read_holds import NOTE_PLACEHOLDERS, read_fallback, read_hold_rule
from engine.read_locations import read_groups, read_settings
from engine.read_strategies import ALLOCATIONS, read_strategy
from engine.reader import Reader, suggest
from engine.ruleset_model import (
    HOLD_REASONS,
    RELEASE_TOPICS,
    Fallback,
    HoldFallback,
    HoldRule,
    KeepFallback,
    RuleSet,
    Strategy,
    ruleset_version,
)
from engine.yamlsource import YNode, load_yaml

__all__ = [
    "ALLOCATIONS",
    "HOLD_REASONS",
    "NOTE_PLACEHOLDERS",
    "RELEASE_TOPICS",
    "Fallback",
    "HoldFallback",
    "HoldRule",
    "KeepFallback",
    "RuleSet",
    "Strategy",
    "parse_ruleset",
    "ruleset_version",
]

_TOP_KEYS = ("holds", "strategies", "fallback", "location_groups", "locations")


@dataclass
class _Collected:
    holds: list[HoldRule] = field(default_factory=list)
    strategies: list[Strategy] = field(default_factory=list)
    fallbacks: list[tuple[Mark, Fallback]] = field(default_factory=list)
    groups: list[LocationGroup] = field(default_factory=list)
    settings: list[LocationSettings] = field(default_factory=list)


def parse_ruleset(files: Mapping[str, str]) -> RuleSet:
    """Parse rule files given as `{name: YAML text}`; raise `RuleSetError` listing every problem."""
    issues: list[RuleIssue] = []
    found = _Collected()
    for name in sorted(files):
        root, yaml_issues = load_yaml(name, files[name])
        issues.extend(yaml_issues)
        if root is not None:
            _read_file(Reader("file", issues), root, found)
    first = Mark(min(files) if files else "<no rule files>", 1, 1)
    if not found.fallbacks:
        issues.append(
            RuleIssue(
                first,
                "file",
                "no `fallback:` in any rule file",
                "add `fallback: {keep: true}` or `fallback: {hold: {reason: ..., note: ...}}`",
            )
        )
    for mark, _ in found.fallbacks[1:]:
        issues.append(RuleIssue(mark, "fallback", "a second `fallback:`", "keep one for all rule files"))
    issues.extend(_cross_checks(found))
    rules: list[HoldRule | Strategy] = [*found.holds, *found.strategies]
    compiled = compile_rules([(rule.id, rule.when) for rule in rules])
    for problem in compiled.issues:
        rule = rules[problem.strategy_index]
        issues.append(RuleIssue(_origin_mark(rule.origin), _subject(rule), problem.message, problem.hint))
    if issues:
        raise RuleSetError(sorted(issues, key=lambda i: (i.mark.file, i.mark.line, i.mark.column)))
    ruleset = RuleSet(
        strategies=tuple(found.strategies),
        fallback=found.fallbacks[0][1],
        holds=tuple(found.holds),
        location_groups=tuple(found.groups),
        location_settings=tuple(found.settings),
        files=tuple(sorted(files)),
    )
    return ruleset.model_copy(update={"version": ruleset_version(ruleset)})


def _read_file(reader: Reader, root: YNode, found: _Collected) -> None:
    top = reader.mapping(root, "a rule file", "start with `strategies:`, `holds:`, `location_groups:` …")
    if top is None:
        return
    reader.check_keys(top, _TOP_KEYS, "a rule file")
    if (node := top.get("holds")) is not None:
        seq = reader.sequence(node, "`holds:`", "list holds, each starting with `- id: ...`")
        for item in seq.items if seq else ():
            if (hold := read_hold_rule(reader, item)) is not None:
                found.holds.append(hold)
    if (node := top.get("strategies")) is not None:
        seq = reader.sequence(node, "`strategies:`", "list strategies, each starting with `- id: ...`")
        for item in seq.items if seq else ():
            if (strategy := read_strategy(reader, item)) is not None:
                found.strategies.append(strategy)
    if (node := top.get("location_groups")) is not None:
        found.groups.extend(read_groups(reader, node))
    if (node := top.get("locations")) is not None:
        found.settings.extend(read_settings(reader, node))
    if (node := top.get("fallback")) is not None:
        fallback = read_fallback(reader.about("fallback"), node)
        if fallback is not None:
            found.fallbacks.append((top.key_mark("fallback"), fallback))


def _cross_checks(found: _Collected) -> list[RuleIssue]:
    """Unique ids and names, and groups that exist, across all files."""
    issues: list[RuleIssue] = []
    seen: dict[str, str] = {}
    rules: list[HoldRule | Strategy] = [*found.holds, *found.strategies]
    for rule in rules:
        if rule.id in seen:
            issues.append(
                RuleIssue(
                    _origin_mark(rule.origin),
                    _subject(rule),
                    f"id already used at {seen[rule.id]}",
                    "give each strategy and hold its own id",
                )
            )
        else:
            seen[rule.id] = rule.origin
    groups: dict[str, str] = {}
    for group in found.groups:
        if group.name in groups:
            issues.append(
                RuleIssue(
                    _origin_mark(group.origin),
                    f"location group {group.name}",
                    f"group already defined at {groups[group.name]}",
                    "define each group once",
                )
            )
        groups.setdefault(group.name, group.origin)
    places: dict[tuple[str | None, str], str] = {}
    for settings in found.settings:
        key = (settings.ref.store, settings.ref.location.casefold())
        if key in places:
            issues.append(
                RuleIssue(
                    _origin_mark(settings.origin),
                    f"location {settings.ref.location}",
                    f"settings already given at {places[key]}",
                    "give each location's settings once",
                )
            )
        places.setdefault(key, settings.origin)
    for strategy in found.strategies:
        for source in strategy.entries():
            if isinstance(source, GroupRef) and source.group not in groups:
                issues.append(
                    RuleIssue(
                        _origin_mark(strategy.origin),
                        _subject(strategy),
                        f"no location group `{source.group}`",
                        suggest(source.group, sorted(groups))
                        if groups
                        else "define it under `location_groups:`",
                    )
                )
    return issues


def _subject(rule: HoldRule | Strategy) -> str:
    return f"hold {rule.id}" if isinstance(rule, HoldRule) else f"strategy {rule.id}"


def _origin_mark(origin: str) -> Mark:
    file, line, column = origin.rsplit(":", 2)
    return Mark(file, int(line), int(column))
