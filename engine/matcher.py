"""Which strategies' conditions hold for which fulfillment orders, decided by durable_rules.

Precautions (durable_rules 2.0.28 is a C core with global state and sharp edges):
- `_QuietHost` never starts the background dispatch threads (`Host._run` is a no-op): actions
  run synchronously inside `assert_facts`;
- one module-level lock serialises every call into durable_rules;
- every match uses a fresh session id and deletes that session in `finally` (a ruleset holds
  at most 1,024 live sessions);
- actions only append to a list, because durable swallows exceptions raised inside them;
- the compiler's sentinel rule fires once per fact; a fact it did not see is an engine fault;
- each compiled rule set is registered once, named by its version.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from durable import engine as durable

from engine.compiler import SENTINEL_RULE, CompiledRules, compile_rules
from engine.facts import Fact
from engine.ruleset import RuleSet, ruleset_version


class _QuietHost(durable.Host):  # type: ignore[misc]
    def _run(self) -> None:
        """No background polling threads: we never use timers or queued actions."""


@dataclass(frozen=True)
class _Registered:
    name: str
    compiled: CompiledRules


_LOCK = threading.Lock()
_HOST: _QuietHost | None = None
_REGISTERED: dict[str, _Registered] = {}
_HITS: list[tuple[int, int]] = []  # (fact index, strategy index), filled by actions under _LOCK
_SENTINEL = -1
_SESSION_IDS = itertools.count(1)
_open_sessions = 0


def compiled_rules(ruleset: RuleSet) -> CompiledRules:
    """The compiled form of a rule set (registered with durable_rules on first use)."""
    with _LOCK:
        return _register(ruleset).compiled


def match(ruleset: RuleSet, facts: Sequence[Fact]) -> tuple[frozenset[int], ...]:
    """For each fact, the indexes of the strategies whose conditions hold."""
    global _open_sessions
    if not facts:
        return ()
    with _LOCK:
        registered = _register(ruleset)
        sid = f"decision-{next(_SESSION_IDS)}"
        messages = [{**fact, "sid": sid, "fo": index} for index, fact in enumerate(facts)]
        _HITS.clear()
        host = _host()
        _open_sessions += 1
        try:
            host.assert_facts(registered.name, messages)
        except durable.MessageNotHandledException:
            pass  # cannot happen while the sentinel matches every fact; the check below tells
        finally:
            host.delete_state(registered.name, sid)
            _open_sessions -= 1
        hits = list(_HITS)
        _HITS.clear()
    found: list[set[int]] = [set() for _ in facts]
    seen: set[int] = set()
    for fact_index, strategy_index in hits:
        if strategy_index == _SENTINEL:
            seen.add(fact_index)
        else:
            found[fact_index].add(strategy_index)
    if len(seen) != len(facts):
        raise RuntimeError(f"durable_rules saw {len(seen)} of {len(facts)} facts")
    return tuple(frozenset(strategies) for strategies in found)


def open_sessions() -> int:
    """durable_rules sessions currently alive (0 between decisions)."""
    return _open_sessions


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


def _register(ruleset: RuleSet) -> _Registered:
    key = ruleset.version or ruleset_version(ruleset)
    registered = _REGISTERED.get(key)
    if registered is None:
        compiled = compile_rules([(s.id, s.when) for s in ruleset.strategies])
        if compiled.issues:
            raise ValueError("; ".join(issue.message for issue in compiled.issues))
        name = f"routing-{key}"
        definition: dict[str, Any] = copy.deepcopy(compiled.definition)  # durable pops `run`
        for index, rule in enumerate(compiled.rule_names):
            definition[rule]["run"] = _recorder(index)
        definition[SENTINEL_RULE]["run"] = _recorder(_SENTINEL)
        _host().register_rulesets({name: definition})
        registered = _Registered(name, compiled)
        _REGISTERED[key] = registered
    return registered


def _recorder(strategy_index: int) -> Callable[[Any], None]:
    def record(c: Any) -> None:
        _HITS.append((int(c.m["fo"]), strategy_index))

    return record
