"""The rule-file model and its strict parser: YAML text in, a frozen `RuleSet` out.

See rules/README.md for the format. `parse_ruleset` takes `{file name: text}` (the adapters
read the disk), reports every problem at once as a `RuleSetError`, and checks the limits of
durable_rules by compiling the conditions, so a rule set that parses will also run.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.compiler import compile_rules
from engine.conditions import Condition, read_condition
from engine.errors import Mark, RuleIssue, RuleSetError
from engine.reader import Reader
from engine.yamlsource import YMap, YNode, YSeq, load_yaml

HOLD_REASONS = (
    "AWAITING_PAYMENT",
    "HIGH_RISK_OF_FRAUD",
    "INCORRECT_ADDRESS",
    "INVENTORY_OUT_OF_STOCK",
    "UNKNOWN_DELIVERY_DATE",
    "ONLINE_STORE_POST_PURCHASE_CROSS_SELL",
    "AWAITING_RETURN_ITEMS",
    "OTHER",
)
NOTE_PLACEHOLDERS = ("order", "short_skus", "location")
ALLOCATIONS = ("ship_complete",)
_STRATEGY_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_TOP_KEYS = ("strategies", "fallback")
_STRATEGY_KEYS = ("id", "description", "when", "locations", "allocation")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Strategy(_Frozen):
    """Try `locations` in order for fulfillment orders that meet `when`."""

    id: str
    description: str = ""
    when: Condition | None = None
    locations: tuple[str, ...]  # names or GIDs, in order of preference
    allocation: Literal["ship_complete"] = "ship_complete"
    origin: str = ""  # "rules/routing.yaml:3:5", for messages only; not part of the version


class HoldFallback(_Frozen):
    kind: Literal["hold"] = "hold"
    reason: str
    note: str


class KeepFallback(_Frozen):
    kind: Literal["keep"] = "keep"


Fallback = Annotated[HoldFallback | KeepFallback, Field(discriminator="kind")]


class RuleSet(_Frozen):
    """All rule files, merged: strategies in file-name order then file order, and one fallback."""

    strategies: tuple[Strategy, ...]
    fallback: Fallback
    files: tuple[str, ...] = ()
    version: str = ""  # see ruleset_version()

    def strategy(self, strategy_id: str) -> Strategy | None:
        return next((s for s in self.strategies if s.id == strategy_id), None)


def parse_ruleset(files: Mapping[str, str]) -> RuleSet:
    """Parse rule files given as `{name: YAML text}`; raise `RuleSetError` listing every problem."""
    issues: list[RuleIssue] = []
    strategies: list[Strategy] = []
    fallbacks: list[tuple[Mark, Fallback]] = []
    for name in sorted(files):
        root, yaml_issues = load_yaml(name, files[name])
        issues.extend(yaml_issues)
        if root is not None:
            _read_file(Reader("file", issues), root, strategies, fallbacks)
    _check_unique_ids(strategies, issues)
    first = Mark(min(files) if files else "<no rule files>", 1, 1)
    if not fallbacks:
        issues.append(
            RuleIssue(
                first,
                "file",
                "no `fallback:` in any rule file",
                "add `fallback: {keep: true}` or `fallback: {hold: {reason: ..., note: ...}}`",
            )
        )
    for mark, _ in fallbacks[1:]:
        issues.append(RuleIssue(mark, "fallback", "a second `fallback:`", "keep one for all rule files"))
    compiled = compile_rules([(s.id, s.when) for s in strategies])
    for problem in compiled.issues:
        strategy = strategies[problem.strategy_index]
        subject = f"strategy {strategy.id}"
        issues.append(RuleIssue(_origin_mark(strategy), subject, problem.message, problem.hint))
    if issues:
        raise RuleSetError(sorted(issues, key=lambda i: (i.mark.file, i.mark.line, i.mark.column)))
    ruleset = RuleSet(strategies=tuple(strategies), fallback=fallbacks[0][1], files=tuple(sorted(files)))
    return ruleset.model_copy(update={"version": ruleset_version(ruleset)})


def ruleset_version(ruleset: RuleSet) -> str:
    """sha256 (12 hex) of the canonical content: comments, layout and positions do not count."""
    content = ruleset.model_dump(
        mode="json", exclude={"files": True, "version": True, "strategies": {"__all__": {"origin"}}}
    )
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _read_file(
    reader: Reader, root: YNode, strategies: list[Strategy], fallbacks: list[tuple[Mark, Fallback]]
) -> None:
    top = reader.mapping(root, "a rule file", "start with `strategies:` and/or `fallback:`")
    if top is None:
        return
    reader.check_keys(top, _TOP_KEYS, "a rule file")
    listed = top.get("strategies")
    if listed is not None:
        seq = reader.sequence(listed, "`strategies:`", "list strategies, each starting with `- id: ...`")
        for item in seq.items if seq else ():
            strategy = _read_strategy(reader, item)
            if strategy is not None:
                strategies.append(strategy)
    fallback_node = top.get("fallback")
    if fallback_node is not None:
        fallback = _read_fallback(reader.about("fallback"), fallback_node)
        if fallback is not None:
            fallbacks.append((top.key_mark("fallback"), fallback))


def _read_strategy(reader: Reader, node: YNode) -> Strategy | None:
    mapping = reader.mapping(node, "a strategy", "write `- id: ...` then `locations: [...]`")
    if mapping is None:
        return None
    id_node = mapping.get("id")
    strategy_id = reader.text(id_node, "`id`", "write `id: us-ship-complete`") if id_node else None
    r = reader.about(f"strategy {strategy_id or '(no id)'}")
    errors_before = len(r.issues)
    if id_node is None:
        r.fail(mapping, "a strategy needs `id:`", "write `id: ` and a short name such as `us-ship-complete`")
    elif strategy_id is not None and not _STRATEGY_ID.fullmatch(strategy_id):
        r.fail(id_node, f"`{strategy_id}` is not a valid id", "use lower-case letters, digits, `-`, `_`, `.`")
    r.check_keys(mapping, _STRATEGY_KEYS, "a strategy")
    description = ""
    if (node_d := mapping.get("description")) is not None:
        description = r.text(node_d, "`description`", "write one line of text") or ""
    when_node = mapping.get("when")
    when = read_condition(when_node, r) if when_node is not None else None
    locations: tuple[str, ...] | None = None
    hint = "write `locations: [Newark DC, Chicago DC]` (names or GIDs, in order of preference)"
    if (loc_node := r.require(mapping, "locations", "a strategy", hint)) is not None:
        if isinstance(loc_node, YSeq | YMap) or loc_node.value is not None:
            locations = r.texts(loc_node, "`locations`", hint)
        else:
            r.fail(loc_node, "`locations` is empty", hint)
    if (alloc_node := mapping.get("allocation")) is not None:
        allocation = r.text(alloc_node, "`allocation`", "write `allocation: ship_complete`")
        if allocation is not None and allocation not in ALLOCATIONS:
            r.fail(alloc_node, f"unknown allocation `{allocation}`", "write `allocation: ship_complete`")
    if len(r.issues) > errors_before or strategy_id is None or locations is None:
        return None
    return Strategy(
        id=strategy_id,
        description=description,
        when=when,
        locations=locations,
        origin=str(mapping.mark),
    )


def _read_fallback(r: Reader, node: YNode) -> Fallback | None:
    hint = "write `fallback: {keep: true}` or `fallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: ...}}`"
    mapping = r.mapping(node, "`fallback`", hint)
    if mapping is None:
        return None
    r.check_keys(mapping, ("hold", "keep"), "`fallback`")
    if len(mapping.entries) != 1:
        r.fail(mapping, "`fallback` takes exactly one of `hold:` or `keep:`", hint)
        return None
    keep = mapping.get("keep")
    if keep is not None:
        if getattr(keep, "value", None) is not True:
            r.fail(keep, "`keep` must be `true`", "write `fallback: {keep: true}`")
            return None
        return KeepFallback()
    hold_node = mapping.get("hold")
    hold = r.mapping(hold_node, "`hold`", hint) if hold_node is not None else None
    if hold is None:
        return None
    r.check_keys(hold, ("reason", "note"), "`hold`")
    before = len(r.issues)
    reason_hint = "write one of: " + ", ".join(HOLD_REASONS)
    reason_node = r.require(hold, "reason", "`hold`", reason_hint)
    reason = r.text(reason_node, "`reason`", reason_hint) if reason_node is not None else None
    if reason_node is not None and reason is not None and reason not in HOLD_REASONS:
        r.fail(reason_node, f"`{reason}` is not a FulfillmentHoldReason", reason_hint)
    note = ""
    if (note_node := hold.get("note")) is not None:
        note = r.text(note_node, "`note`", "write a sentence; it may use {order}, {short_skus}") or ""
        _check_note(r, note_node, note)
    if len(r.issues) > before or reason is None:
        return None
    return HoldFallback(reason=reason, note=note)


def _check_note(r: Reader, node: YNode, note: str) -> None:
    allowed = ", ".join("{" + p + "}" for p in NOTE_PLACEHOLDERS)
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(note) if name is not None]
    except ValueError as error:
        r.fail(node, f"`note` has a broken placeholder ({error})", f"use {allowed}; write {{{{ for a brace")
        return
    for name in names:
        if name not in NOTE_PLACEHOLDERS:
            r.fail(node, f"`note` uses unknown placeholder {{{name}}}", f"use {allowed}")


def _check_unique_ids(strategies: list[Strategy], issues: list[RuleIssue]) -> None:
    seen: dict[str, Strategy] = {}
    for strategy in strategies:
        if strategy.id in seen:
            issues.append(
                RuleIssue(
                    _origin_mark(strategy),
                    f"strategy {strategy.id}",
                    f"id already used at {seen[strategy.id].origin}",
                    "give each strategy its own id",
                )
            )
        else:
            seen[strategy.id] = strategy


def _origin_mark(strategy: Strategy) -> Mark:
    file, line, column = strategy.origin.rsplit(":", 2)
    return Mark(file, int(line), int(column))
