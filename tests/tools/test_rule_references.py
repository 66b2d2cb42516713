"""Names the rules use, resolved against the configuration: stores and each store's locations.

Every unknown name is reported at the place it is written, in the rule that writes it, with
the nearest known name; names of stores that are not configured are not looked up as locations.
"""

from __future__ import annotations

from adapters.rule_references import StoreLocations, check_references, stores_named
from engine import parse_ruleset

from .support import CA, US

FILE = "rules/routing.yaml"
STORES = (US, CA)
LOCATIONS = {
    US: StoreLocations(
        names=frozenset({"Newark DC", "Chicago DC"}), ids=frozenset({"gid://shopify/Location/101"})
    ),
    CA: StoreLocations(names=frozenset({"Toronto DC", "Montreal DC"})),
}
RULES = f"""\
holds:
  - id: await-payment
    when:
      store: {US}
      financial_status: {{not_in: [PAID]}}
    reason: AWAITING_PAYMENT
    release_on: [orders/paid]
location_groups:
  north-america:
    locations: [Newark DC, {{store: {CA}, location: Toronto DC}}]
locations:
  - location: Newark DC
    priority: 1
  - location: Montreal DC
    store: {CA}
    priority: 2
strategies:
  - id: us-first
    when:
      store: {US}
    locations:
      - Newark DC
      - gid://shopify/Location/101
      - {{group: north-america}}
      - {{store: {CA}, location: Montreal DC}}
fallback:
  keep: true
"""


def problems(text: str, *, stores: tuple[str, ...] | None = STORES, locations: bool = True) -> list[str]:
    ruleset = parse_ruleset({FILE: text})
    found = check_references(ruleset, {FILE: text}, stores=stores, locations=LOCATIONS if locations else None)
    return [f"{issue.mark}: {issue.subject}: {issue.message}; {issue.hint}" for issue in found]


def test_names_every_configured_store_and_location_knows_are_clean() -> None:
    assert problems(RULES) == []


def test_the_stores_named_anywhere_are_collected_for_the_child_check_probes() -> None:
    assert stores_named(parse_ruleset({FILE: RULES})) == {US, CA}


def test_an_unknown_store_in_a_hold_rule_condition() -> None:
    text = RULES.replace(
        f"    when:\n      store: {US}\n      financial",
        "    when:\n      store: nw.myshopify.com\n      financial",
    )
    assert problems(text) == [
        f"{FILE}:4:14: hold await-payment: store `nw.myshopify.com` is not in the stores file; "
        f"did you mean `{US}`? (valid: `{CA}`, `{US}`)"
    ]


def test_an_unknown_store_qualifying_a_location_is_a_store_error_not_a_location_error() -> None:
    text = RULES.replace(f"      - {{store: {CA}", "      - {store: north-wind-ca.myshopfy.com")
    (problem,) = problems(text)
    assert problem.startswith(f"{FILE}:25:17: strategy us-first: store `north-wind-ca.myshopfy.com` is not")
    assert f"did you mean `{CA}`?" in problem


def test_a_location_of_the_other_store_is_not_a_location_of_this_strategys_store() -> None:
    text = RULES.replace("      - Newark DC", "      - Toronto DC")
    assert problems(text) == [
        f"{FILE}:22:9: strategy us-first: location `Toronto DC` is not a location of {US}; "
        "write one of: `Chicago DC`, `Newark DC`"
    ]


def test_an_unknown_location_in_a_group_names_the_group() -> None:
    text = RULES.replace("location: Toronto DC}]", "location: Torono DC}]")
    assert problems(text) == [
        f"{FILE}:10:75: location group north-america: location `Torono DC` is not a location of {CA}; "
        "did you mean `Toronto DC`? (valid: `Montreal DC`, `Toronto DC`)"
    ]


def test_an_unknown_location_in_location_settings() -> None:
    text = RULES.replace(
        "  - location: Newark DC\n    priority: 1", "  - location: Newak DC\n    priority: 1"
    )
    (problem,) = problems(text)
    assert problem.startswith(
        f"{FILE}:12:15: location Newak DC: location `Newak DC` is not a location of any of 2 stores"
    )


def test_without_a_stores_file_or_locations_nothing_is_resolved() -> None:
    text = RULES.replace(f"store: {US}", "store: anything.myshopify.com").replace("Newark", "Nowhere")
    assert problems(text, stores=None, locations=False) == []
