"""The flat fact durable_rules sees for one fulfillment order.

A fact carries exactly the properties the compiled rules read (see `FactSchema`): text fields
as normalised strings (empty when Shopify gives none, so no rule needs an existence test) and
one boolean per set of tags a rule names ("has any of these tags"). Its size therefore depends
on the rules, never on the order.
"""

from __future__ import annotations

from engine.compiler import ANCHOR_PROPERTY, ANCHOR_VALUE, FactSchema
from engine.conditions import FIELDS
from engine.model import FulfillmentOrder, Snapshot

Fact = dict[str, str | bool | int]


def build_fact(snapshot: Snapshot, fo: FulfillmentOrder, schema: FactSchema) -> Fact:
    fact: Fact = {ANCHOR_PROPERTY: ANCHOR_VALUE}
    for name in schema.text_fields:
        value = FIELDS[name].read(snapshot, fo)
        fact[name] = value if isinstance(value, str) else ""
    sets: dict[str, frozenset[str]] = {}
    for flag in schema.flags:
        if flag.field not in sets:
            value = FIELDS[flag.field].read(snapshot, fo)
            sets[flag.field] = value if isinstance(value, frozenset) else frozenset()
        fact[flag.prop] = not flag.values.isdisjoint(sets[flag.field])
    return fact
