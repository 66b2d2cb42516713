"""Every document validates against the Admin schema and uses nothing deprecated."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule

from adapters.shopify import documents
from adapters.shopify.candidate_stock import MAX_LOCATIONS, stock_document

RULES = [*specified_rules, NoDeprecatedCustomRule]


@pytest.mark.parametrize("document", documents.ALL, ids=lambda d: d.name)
def test_document_is_valid_and_not_deprecated(
    admin_schema: GraphQLSchema, document: documents.Document
) -> None:
    errors = validate(admin_schema, parse(document.text), RULES)
    assert [e.message for e in errors] == []


@pytest.mark.parametrize("locations", [2, 5, MAX_LOCATIONS])
def test_the_stock_read_is_valid_for_any_number_of_locations(
    admin_schema: GraphQLSchema, locations: int
) -> None:
    document = stock_document(locations)
    assert [e.message for e in validate(admin_schema, parse(document.text), RULES)] == []
    assert f"l{locations - 1}: inventoryLevel(locationId: $l{locations - 1})" in document.text


def test_deprecation_check_catches_a_deprecated_field(admin_schema: GraphQLSchema) -> None:
    # Control: the rule set really rejects MailingAddress.countryCode (deprecated for countryCodeV2).
    text = documents.SNAPSHOT.text.replace("countryCodeV2", "countryCode", 1)
    messages = [e.message for e in validate(admin_schema, parse(text), RULES)]
    assert any("countryCode" in m and "deprecated" in m for m in messages)


def test_move_document_avoids_the_field_described_as_deprecated() -> None:
    # 2026-01 marks the move payload's remainingFulfillmentOrder deprecated only in its description.
    assert "remainingFulfillmentOrder" not in documents.FULFILLMENT_ORDER_MOVE.text


def test_documents_are_named_and_unique() -> None:
    names = [d.name for d in documents.ALL]
    assert len(names) == len(set(names))
    assert {d.name for d in documents.ALL if d.is_mutation} == {
        "RoutingAnnotateOrder",
        "RoutingFulfillmentOrderMove",
        "RoutingFulfillmentOrderHold",
        "RoutingFulfillmentOrderReleaseHold",
        "RoutingFulfillmentOrderSplit",
        "RoutingMetafieldsSet",
        "RoutingTagsAdd",
        "RoutingFulfillmentCreate",
        "RoutingInventorySetQuantities",
        "RoutingOrderCreate",
        "RoutingOrderCancel",
        "RoutingWebhookSubscriptionCreate",
    }


def test_document_gets_only_the_fragments_it_spreads() -> None:
    assert "fragment RoutingFulfillmentOrder on" in documents.SNAPSHOT.text
    assert "fragment RoutingFulfillmentOrderLine on" in documents.SNAPSHOT.text  # nested spread
    assert "fragment RoutingUserError" not in documents.SNAPSHOT.text
    assert "fragment" not in documents.FULFILLMENT_ORDER_HOLD.text


def test_snapshot_read_asks_for_the_decision_metafield() -> None:
    assert 'metafield(namespace: "routing_engine", key: "decision")' in documents.SNAPSHOT.text
