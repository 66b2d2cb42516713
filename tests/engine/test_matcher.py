"""The matcher asks durable_rules safely: fresh session per decision, always deleted, one lock."""

from __future__ import annotations

import threading

from engine import matcher
from engine.compiler import ANCHOR_PROPERTY, ANCHOR_VALUE, SENTINEL_RULE
from engine.facts import Fact, build_fact
from tests.bench.decide_workload import workload

from .support import CA, US, default_rules, rules, snapshot

ANY_OF_EVERYTHING = """\
strategies:
  - id: wide
    when:
      any:
        - store: north-wind-us.myshopify.com
        - order_tags: [vip]
        - destination_country: US
        - delivery_method: SHIPPING
        - not: {order_tags: [b2b]}
    locations: [Newark DC]
  - id: b2b-only
    when: {order_tags: {all_of: [b2b, net30]}}
    locations: [Newark DC]
fallback: {keep: true}
"""


def _fact(**properties: str | bool) -> Fact:
    return {ANCHOR_PROPERTY: ANCHOR_VALUE, **properties}


def test_matches_each_fact_to_the_strategies_whose_conditions_hold() -> None:
    found = matcher.match(default_rules(), [_fact(store=US), _fact(store=CA), _fact(store="other")])
    assert found == (frozenset({0}), frozenset({1}), frozenset())


def test_a_rule_fires_once_per_fact_even_when_every_branch_of_its_any_holds() -> None:
    ruleset = rules(ANY_OF_EVERYTHING)
    registered = matcher.prepared(ruleset)
    vip = snapshot("us-order-moves-to-newark")
    vip = vip.model_copy(update={"order": vip.order.model_copy(update={"tags": frozenset({"VIP"})})})
    fact = build_fact(vip, vip.fulfillment_orders[0], registered.compiled.schema)
    assert sorted(matcher.fire(registered, fact)) == ["000 wide", SENTINEL_RULE]
    assert matcher.match(ruleset, [fact]) == (frozenset({0}),)


def test_no_match_is_an_empty_set_not_an_error() -> None:
    assert matcher.match(default_rules(), [_fact(store="elsewhere.myshopify.com")]) == (frozenset(),)


def test_no_facts_means_no_call_into_durable_rules() -> None:
    assert matcher.match(default_rules(), []) == ()


def test_each_question_gets_a_fresh_session_deleted_afterwards() -> None:
    ruleset = default_rules()
    remembered, matcher.MAX_ANSWERS = matcher.MAX_ANSWERS, 0  # ask durable_rules every time
    try:
        for _ in range(1_100):  # more than the 1,024 sessions durable_rules keeps alive per ruleset
            assert matcher.match(ruleset, [_fact(store=US), _fact(store="x")]) == (
                frozenset({0}),
                frozenset(),
            )
            assert matcher.open_sessions() == 0
    finally:
        matcher.MAX_ANSWERS = remembered


def test_the_same_fact_in_two_decisions_matches_both_times() -> None:
    ruleset = default_rules()
    fact = _fact(store=CA)
    assert matcher.match(ruleset, [fact, fact]) == (frozenset({1}), frozenset({1}))
    assert matcher.match(ruleset, [fact]) == (frozenset({1}),)


def test_every_call_into_durable_rules_holds_one_module_lock() -> None:
    assert isinstance(matcher._LOCK, type(threading.Lock()))
    ruleset = default_rules()
    with matcher._LOCK:  # a waiting caller must not get in while the lock is held
        worker = threading.Thread(target=matcher.match, args=(ruleset, [_fact(store=US)]))
        worker.start()
        worker.join(timeout=0.2)
        assert worker.is_alive()
    worker.join(timeout=5)
    assert not worker.is_alive()


def test_concurrent_callers_get_their_own_answers() -> None:
    ruleset = default_rules()
    results: dict[int, tuple[frozenset[int], ...]] = {}

    def work(n: int) -> None:
        store = US if n % 2 else CA
        for _ in range(50):
            results[n] = matcher.match(ruleset, [_fact(store=store)])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: (frozenset({0 if n % 2 else 1}),) for n in range(8)}
    assert matcher.open_sessions() == 0


def test_matching_starts_no_background_threads() -> None:
    before = {thread.ident for thread in threading.enumerate()}
    matcher.match(rules(ANY_OF_EVERYTHING), [_fact(store=US)])
    assert {thread.ident for thread in threading.enumerate()} <= before


def test_each_rule_set_version_is_registered_once() -> None:
    ruleset = default_rules()
    first = matcher.compiled_rules(ruleset)
    assert matcher.compiled_rules(ruleset) is first


def test_remembered_answers_equal_durable_rules_own_on_a_realistic_workload() -> None:
    ruleset, pool = workload()
    registered = matcher.prepared(ruleset)
    facts = [registered.builder.build(s, fo) for s in pool[:400] for fo in s.fulfillment_orders]
    remembered = matcher.match(ruleset, facts)
    assert len({registered.builder.key(fact) for fact in facts}) < len(facts)  # orders look alike
    for fact, answer in zip(facts, remembered, strict=True):
        fired = {int(name[:3]) for name in matcher.fire(registered, fact) if name != SENTINEL_RULE}
        assert answer == fired


def test_the_key_read_from_an_order_is_the_key_of_its_fact() -> None:
    ruleset, pool = workload(pool=400)
    builder = matcher.prepared(ruleset).builder
    pairs = [(s, fo) for s in pool for fo in s.fulfillment_orders]
    assert [builder.key_of(s, fo) for s, fo in pairs] == [
        builder.key(builder.build(s, fo)) for s, fo in pairs
    ]
    assert matcher.match_orders(ruleset, pool[0], pool[0].fulfillment_orders) == matcher.match(
        ruleset, [builder.build(pool[0], fo) for fo in pool[0].fulfillment_orders]
    )


def test_a_fact_differing_in_what_a_rule_reads_is_asked_again() -> None:
    ruleset = rules(
        "strategies:\n  - {id: big, when: {total_price: {'>=': 100}}, locations: [X]}\n"
        "fallback: {keep: true}\n"
    )
    builder = matcher.prepared(ruleset).builder
    base = _fact(total_price=150.0, total_price__set=True)
    assert builder.key(base) == builder.key({**base, "total_price": 999.0})
    assert builder.key(base) != builder.key({**base, "total_price": 99.0})
    assert builder.key(base) != builder.key({**base, "total_price": 100.0})
    assert matcher.match(ruleset, [{**base, "total_price": 99.0}, base]) == (frozenset(), frozenset({0}))
