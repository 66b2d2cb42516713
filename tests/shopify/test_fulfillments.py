"""fulfillmentCreate through the client: the input we send, and Shopify's recorded answers parsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule

from adapters.shopify import fulfillments, inventory_writes
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyUserError
from engine.intents import LineQuantity
from tests.shopify.conftest import ScriptedShopify, load_recording
from tests.shopify.recorded_exchanges import response_of

PRECONDITIONS = "2026-04__orders__fulfillment-create-preconditions.json"
MULTI_GROUP = "2026-04__orders__fulfillment-create-multi-group.json"
DOCUMENTS = [
    fulfillments.FULFILLMENT_CREATE,
    inventory_writes.INVENTORY_SET_QUANTITIES,
    inventory_writes.INVENTORY_ITEMS_BY_SKU,
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.name)
def test_vendor_documents_are_valid_and_not_deprecated(admin_schema: GraphQLSchema, document: object) -> None:
    errors = validate(admin_schema, parse(document.text), [*specified_rules, NoDeprecatedCustomRule])  # type: ignore[attr-defined]
    assert [e.message for e in errors] == []


async def test_the_happy_path_answer_becomes_a_fulfillment_with_tracking(
    recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    case = load_recording(recordings, PRECONDITIONS)["cases"]["happyPath"]
    shopify.add(response_of(case))
    fo_id = case["variables"]["fulfillment"]["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderId"]
    result = await fulfillments.create_fulfillment(
        client, fo_id, [], tracking_company="Hermes", tracking_numbers=["FCP-HAPPY"], notify_customer=True
    )
    recorded = case["response"]["data"]["fulfillmentCreate"]["fulfillment"]
    assert result.fulfillment_id == recorded["id"] and result.status == "SUCCESS"
    assert [t.number for t in result.tracking] == [recorded["trackingInfo"][0]["number"]]
    assert result.quantity == 1 and result.lines[0].line_item_id.startswith("gid://shopify/LineItem/")
    sent = shopify.bodies()[0]["variables"]["fulfillment"]
    assert sent == {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo_id}],
        "trackingInfo": {"numbers": ["FCP-HAPPY"], "company": "Hermes"},
        "notifyCustomer": True,
    }


async def test_a_line_split_across_fulfillment_orders_comes_back_as_one_line(
    recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add(response_of(load_recording(recordings, MULTI_GROUP)["cases"]["validMultiGroup"]))
    result = await fulfillments.create_fulfillment(
        client, "gid://shopify/FulfillmentOrder/1", [], tracking_company=None, tracking_numbers=[]
    )
    assert [line.quantity for line in result.lines] == [2]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("closed", "has an unfulfillable status= closed."),
        ("cancelled", "has an unfulfillable status= closed."),
        ("overFulfill", "Invalid fulfillment order line item quantity requested."),
        ("missingFulfillmentOrder", "Fulfillment order does not exist."),
    ],
)
async def test_refusals_raise_a_user_error_with_shopifys_message(
    recordings: Path, client: ShopifyClient, shopify: ScriptedShopify, case: str, message: str
) -> None:
    shopify.add(response_of(load_recording(recordings, PRECONDITIONS)["cases"][case]))
    with pytest.raises(ShopifyUserError) as caught:
        await fulfillments.create_fulfillment(
            client, "gid://shopify/FulfillmentOrder/1", [], tracking_company="UPS", tracking_numbers=["1Z"]
        )
    [error] = caught.value.user_errors
    assert error.message.endswith(message) and error.code is None


@pytest.mark.parametrize(
    ("lines", "numbers", "urls", "complaint"),
    [
        ([LineQuantity(id="l1", quantity=0)], ["1Z"], [], "positive quantity"),
        ([LineQuantity(id="l1", quantity=1)] * 2, ["1Z"], [], "listed twice"),
        ([], ["1Z", "1Y"], ["https://t/1Z"], "one URL per number"),
        ([], [" "], [], "tracking number is blank"),
    ],
)
async def test_bad_ship_notice_input_is_refused_before_any_request(
    client: ShopifyClient,
    shopify: ScriptedShopify,
    lines: list[LineQuantity],
    numbers: list[str],
    urls: list[str],
    complaint: str,
) -> None:
    with pytest.raises(ValueError, match=complaint):
        await fulfillments.create_fulfillment(
            client,
            "gid://shopify/FulfillmentOrder/1",
            lines,
            tracking_company="UPS",
            tracking_numbers=numbers,
            tracking_urls=urls,
        )
    assert shopify.requests == []
