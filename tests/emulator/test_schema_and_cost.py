"""The emulator's schema is a true subset of Shopify's 2026-01 schema, and its costs match Shopify's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, GraphQLSchema, get_operation_ast, parse, validate
from graphql.execution.values import get_variable_values

from adapters.emulator.cost import CostCalculator
from adapters.emulator.schemas import real_schema, real_schema_path, subset_schema
from tests.emulator.recordings import RECORDINGS, to_2026_01

# Recorded costs the emulator does not reproduce (large pages; see adapters/emulator/cost.py).
KNOWN_COST_DEVIATIONS = {"FulfillmentOrderPreconditionsStatusSearch", "ShippingFulfillmentOrderHydrate"}


@pytest.fixture(scope="module")
def real() -> GraphQLSchema:
    schema = real_schema()
    if schema is None:
        pytest.skip(f"real Admin schema not found at {real_schema_path()} (set ROUTING_SHOPIFY_SCHEMA)")
    return schema


def test_every_type_field_and_argument_exists_in_the_real_schema_with_the_same_type(
    real: GraphQLSchema,
) -> None:
    problems = []
    for name, ours in subset_schema().type_map.items():
        if name.startswith("__"):
            continue
        theirs = real.type_map.get(name)
        if theirs is None:
            problems.append(f"type {name} missing")
            continue
        for field_name, field in getattr(ours, "fields", {}).items():
            real_field = getattr(theirs, "fields", {}).get(field_name)
            if real_field is None:
                problems.append(f"{name}.{field_name} missing")
                continue
            if str(getattr(field, "type", "")) != str(getattr(real_field, "type", "")):
                problems.append(f"{name}.{field_name}: {field.type} != {real_field.type}")
            for arg, value in getattr(field, "args", {}).items():
                if str(value.type) != str(real_field.args[arg].type if arg in real_field.args else None):
                    problems.append(f"{name}.{field_name}({arg}) differs")
        for value_name in getattr(ours, "values", {}):
            if value_name not in theirs.values:  # type: ignore[union-attr]
                problems.append(f"{name}.{value_name} not in real enum")
    assert problems == []


def test_a_document_valid_for_the_emulator_is_valid_for_shopify(real: GraphQLSchema) -> None:
    # Every test document above runs through the endpoint, which validates against the real schema
    # first; this checks the same on a document that uses every root field the emulator serves.
    document = parse("""
      query Everything($id: ID!, $ids: [ID!]!) {
        shop { myshopifyDomain name }
        fulfillmentOrder(id: $id) { id locationsForMove(first: 5) { nodes { movable message } } }
        fulfillmentOrders(first: 5) { nodes { id } }
        order(id: $id) { tags metafield(namespace: "a", key: "b") { compareDigest } }
        nodes(ids: $ids) { id ... on InventoryItem { inventoryLevel(locationId: $id) { id } } }
        node(id: $id) { id } locations(first: 5, includeInactive: true) { pageInfo { hasNextPage } }
        location(id: $id) { id } inventoryItem(id: $id) { id } productVariant(id: $id) { id }
      }""")
    assert validate(subset_schema(), document) == []
    assert validate(real, document) == []


def _recorded_calls() -> Iterator[tuple[str, dict[str, Any]]]:
    def walk(value: Any) -> Iterator[dict[str, Any]]:
        if isinstance(value, dict):
            if "query" in value and "response" in value:
                yield value
            for child in value.values():
                yield from walk(child)
        elif isinstance(value, list):
            for child in value:
                yield from walk(child)

    for path in sorted(RECORDINGS.glob("*.json")):
        for call in walk(json.loads(path.read_text(encoding="utf-8"))):
            yield path.name, call


@pytest.mark.skipif(not RECORDINGS.is_dir(), reason=f"Shopify recordings not found at {RECORDINGS}")
def test_requested_costs_match_the_recorded_ones() -> None:
    schema = subset_schema()
    compared, mismatches = 0, []
    for name, call in _recorded_calls():
        response = call["response"]
        body = response.get("payload") or response.get("body") or {}
        cost = (body.get("extensions") or {}).get("cost")
        document = parse(to_2026_01(call["query"])[0])
        if not cost or validate(schema, document):
            continue  # a call the emulator doesn't serve (orderCreate, inventory mutations, ...)
        operation = get_operation_ast(document)
        assert operation is not None
        if operation.name and operation.name.value in KNOWN_COST_DEVIATIONS:
            continue
        variables = get_variable_values(
            schema, operation.variable_definitions or (), call.get("variables") or {}
        )
        assert not isinstance(variables, list)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        ours = CostCalculator(schema, fragments, dict(variables.coerced)).operation(operation)
        compared += 1
        if ours != cost["requestedQueryCost"]:
            mismatches.append(
                (name, operation.name.value if operation.name else None, ours, cost["requestedQueryCost"])
            )
    assert compared > 40
    assert mismatches == []
