"""Linked orders of cross-store hand-offs through the real client, against a two-store emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule
from pydantic import SecretStr

from adapters.emulator.scenario import parse_scenario
from adapters.emulator.server import EmulatorServer
from adapters.shopify import documents, linked_orders
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyAuthError, ShopifyUserError
from adapters.shopify.gateway import ShopifyGateway
from adapters.shopify.linked_orders import DuplicateLinkedOrders, LinkOrigin, SkusNotSold
from adapters.shopify.ship_to import ShipToAddress
from tests.shopify.conftest import ScriptedShopify

ORIGIN = "origin-us.myshopify.com"
FULFILLING = "fulfilling-ca.myshopify.com"
TOKENS = {ORIGIN: "shpat_origin", FULFILLING: "shpat_fulfilling"}
DOCUMENTS = [
    linked_orders.ORDER_CREATE,
    linked_orders.ORDER_CANCEL,
    linked_orders.LINKED_ORDER,
    linked_orders.LINKED_ORDERS_BY_TAG,
    linked_orders.LINKED_ORDER_FULFILLMENTS,
    documents.INVENTORY_ITEMS_BY_SKU,  # the variants of the linked order's SKUs
]
SHIP_TO = ShipToAddress(
    name="Mary Ann Smith",
    address1="1 Main St",
    address2="Apt 4",
    city="Newark",
    province_code="NJ",
    zip="07102",
    country_code="US",
)


def two_stores() -> dict[str, Any]:
    def store(domain: str, locations: list[str], stock: dict[str, dict[str, int]]) -> dict[str, Any]:
        return {
            "domain": domain,
            "name": domain.split(".")[0],
            "access_token": TOKENS[domain],
            "client_secret": f"secret-{domain}",
            "native_routing": locations,
            "locations": [{"name": n, "address": {"country_code": "US"}} for n in locations],
            "products": [{"sku": sku, "title": sku, "stock": levels} for sku, levels in stock.items()],
        }

    return {
        "stores": [
            # The origin store: its stand-in location stands for the other store's warehouse.
            store(
                ORIGIN, ["Brooklyn", "Stand-in Toronto"], {"KAYAK": {"Brooklyn": 0, "Stand-in Toronto": 3}}
            ),
            store(FULFILLING, ["Toronto DC"], {"KAYAK": {"Toronto DC": 3}, "PADDLE": {"Toronto DC": 10}}),
        ]
    }


@dataclass
class World:
    emulator: EmulatorServer
    http: httpx.AsyncClient
    origin: ShopifyGateway
    fulfilling: ShopifyGateway

    def mutations(self, name: str) -> list[dict[str, Any]]:
        return [m.as_dict() for m in self.emulator.emulator.mutations if m.mutation == name]

    def available(self, sku: str) -> int:
        store = self.emulator.state.stores[FULFILLING]
        item = store.inventory.item_by_sku(sku)
        assert item is not None
        return sum(level.available for level in store.inventory.levels_of(item.id))


def gateway(emulator: EmulatorServer, http: httpx.AsyncClient, shop: str, token: str) -> ShopifyGateway:
    url = emulator.admin_api_url(shop)
    return ShopifyGateway(
        ShopifyClient(http, shop_domain=shop, admin_api_url=url, access_token=SecretStr(token))
    )


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with (
        EmulatorServer(parse_scenario(two_stores())) as emulator,
        httpx.AsyncClient(timeout=10) as http,
    ):
        yield World(
            emulator,
            http,
            gateway(emulator, http, ORIGIN, TOKENS[ORIGIN]),
            gateway(emulator, http, FULFILLING, TOKENS[FULFILLING]),
        )


async def origin_order(world: World) -> LinkOrigin:
    """An order in the origin store, as a customer places it."""
    body = {"lines": [{"sku": "KAYAK", "quantity": 1}], "shipping_address": {"country_code": "US"}}
    response = await world.http.post(f"{world.emulator.base_url}/_emulator/stores/{ORIGIN}/orders", json=body)
    assert response.status_code == 201, response.text
    placed = response.json()
    return LinkOrigin(ORIGIN, placed["id"], placed["fulfillment_orders"][0]["id"], placed["name"])


async def hand_off(world: World, origin: LinkOrigin, lines: list[tuple[str, int]] | None = None) -> Any:
    return await world.fulfilling.create_linked_order(
        lines or [("KAYAK", 1), ("PADDLE", 2)], SHIP_TO, ["hand-off"], origin
    )


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.name)
def test_documents_are_valid_and_not_deprecated(admin_schema: GraphQLSchema, document: Any) -> None:
    errors = validate(admin_schema, parse(document.text), [*specified_rules, NoDeprecatedCustomRule])
    assert [e.message for e in errors] == []


async def test_the_linked_order_is_created_in_the_fulfilling_store_with_tag_metafield_and_address(
    world: World,
) -> None:
    origin = await origin_order(world)
    linked = await hand_off(world, origin)
    store = world.emulator.state.stores[FULFILLING]
    order = store.orders[linked.id]
    assert linked.name == order.name and len(linked.fulfillment_order_ids) == 1
    assert sorted(order.tags) == ["hand-off", linked_orders.link_tag(origin.order_id)]
    metafield = order.metafield("routing_engine", "linked_order")
    assert metafield is not None and metafield.type == "json"
    assert json.loads(metafield.value) == {
        "shop": ORIGIN,
        "order_id": origin.order_id,
        "fulfillment_order_id": origin.fulfillment_order_id,
        "order_name": origin.order_name,
    }
    assert order.shipping_address is not None
    assert (order.shipping_address.first_name, order.shipping_address.last_name) == ("Mary Ann", "Smith")
    assert order.email is None  # the customer belongs to the origin store: B must not write to them
    [sent] = world.mutations("orderCreate")
    assert sent["store"] == FULFILLING
    assert sent["variables"]["options"] == {
        "inventoryBehaviour": "DECREMENT_OBEYING_POLICY",
        "sendReceipt": False,
        "sendFulfillmentReceipt": False,
    }
    assert (world.available("KAYAK"), world.available("PADDLE")) == (2, 8)  # claimed in B at once


async def test_a_retry_finds_the_linked_order_by_its_tag_and_only_for_its_origin(world: World) -> None:
    origin = await origin_order(world)
    assert await world.fulfilling.find_linked_order(origin.order_id) is None
    linked = await hand_off(world, origin)
    found = await world.fulfilling.find_linked_order(origin.order_id, origin_shop=ORIGIN)
    assert found is not None
    assert (found.id, found.fulfillment_order_ids, found.origin) == (
        linked.id,
        linked.fulfillment_order_ids,
        origin,
    )
    assert (
        await world.fulfilling.find_linked_order(origin.order_id, origin_shop="other.myshopify.com") is None
    )
    assert await world.origin.find_linked_order(origin.order_id) is None  # A holds no linked order


async def test_two_live_linked_orders_for_one_origin_are_reported_not_picked(world: World) -> None:
    origin = await origin_order(world)
    first = await hand_off(world, origin, [("PADDLE", 1)])
    second = await hand_off(world, origin, [("PADDLE", 1)])
    with pytest.raises(DuplicateLinkedOrders) as raised:
        await world.fulfilling.find_linked_order(origin.order_id)
    assert raised.value.order_ids == (first.id, second.id)
    assert "cancel all but one" in str(raised.value)
    await world.fulfilling.cancel_order(second.id)
    found = await world.fulfilling.find_linked_order(origin.order_id)
    assert found is not None and found.id == first.id


async def test_a_sku_the_fulfilling_store_does_not_sell_is_named_and_nothing_is_created(world: World) -> None:
    origin = await origin_order(world)
    with pytest.raises(SkusNotSold) as raised:
        await hand_off(world, origin, [("KAYAK", 1), ("CANOE", 1)])
    assert raised.value.missing == ("CANOE",) and FULFILLING in str(raised.value)
    assert world.mutations("orderCreate") == []


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "no lines"),
        ([("KAYAK", 0)], "quantity 0"),
        ([("KAYAK", 1), ("KAYAK", 2)], "listed twice"),
        ([(" ", 1)], "blank SKU"),
    ],
)
async def test_bad_lines_are_refused_before_any_request(
    world: World, lines: list[tuple[str, int]], message: str
) -> None:
    origin = LinkOrigin(ORIGIN, "gid://shopify/Order/5", "gid://shopify/FulfillmentOrder/6")
    with pytest.raises(ValueError, match=message):
        await world.fulfilling.create_linked_order(lines, SHIP_TO, [], origin)
    assert world.emulator.emulator.accounting()[FULFILLING]["calls"] == 0


async def test_a_store_short_of_units_refuses_the_order_with_its_code(world: World) -> None:
    origin = await origin_order(world)
    with pytest.raises(ShopifyUserError) as raised:
        await hand_off(world, origin, [("KAYAK", 4)])
    assert raised.value.codes == {"INVENTORY_CLAIM_FAILED"}
    assert world.emulator.state.stores[FULFILLING].orders == {}


async def test_cancelling_twice_cancels_once_and_is_not_an_error(world: World) -> None:
    linked = await hand_off(world, await origin_order(world))
    await world.fulfilling.cancel_order(linked.id, staff_note="origin order cancelled")
    await world.fulfilling.cancel_order(linked.id)
    assert len(world.mutations("orderCancel")) == 1  # the second call read cancelledAt and stopped
    assert world.available("KAYAK") == 3  # restocked
    state = await linked_orders.read_linked_order(world.fulfilling.client, linked.id)
    assert state.cancelled
    deliveries = [d for d in world.emulator.emulator.webhooks.deliveries if d.topic == "orders/cancelled"]
    assert [d.shop for d in deliveries] == [FULFILLING]


async def test_a_shipped_linked_order_cannot_be_cancelled_and_its_shipment_can_be_read(world: World) -> None:
    linked = await hand_off(world, await origin_order(world))
    ref = linked.name.lstrip("#")
    url = f"{world.emulator.base_url}/_emulator/stores/{FULFILLING}/orders/{ref}/fulfill"
    shipped = await world.http.post(
        url, json={"tracking_company": "Purolator", "tracking_numbers": ["P1", "P2"]}
    )
    assert shipped.status_code == 201, shipped.text
    [fulfillment] = await world.fulfilling.read_fulfillments(linked.id)
    assert (fulfillment.status, fulfillment.tracking_company) == ("SUCCESS", "Purolator")
    assert fulfillment.tracking_numbers == ("P1", "P2")
    assert sorted(fulfillment.lines) == [("KAYAK", 1), ("PADDLE", 2)]
    with pytest.raises(ShopifyUserError, match="outstanding fulfillments"):
        await world.fulfilling.cancel_order(linked.id)


async def test_a_store_refuses_another_stores_token(world: World) -> None:
    intruder = gateway(world.emulator, world.http, FULFILLING, TOKENS[ORIGIN])
    with pytest.raises(ShopifyAuthError):
        await intruder.find_linked_order("gid://shopify/Order/1")


def test_the_address_keeps_every_part_and_splits_the_name_at_the_last_word() -> None:
    assert linked_orders.address_input(SHIP_TO) == {
        "firstName": "Mary Ann",
        "lastName": "Smith",
        "address1": "1 Main St",
        "address2": "Apt 4",
        "city": "Newark",
        "provinceCode": "NJ",
        "zip": "07102",
        "countryCode": "US",
    }
    assert linked_orders.split_name("Cher") == (None, "Cher")


def test_the_link_tag_needs_an_order_gid() -> None:
    assert linked_orders.link_tag("gid://shopify/Order/8891466154290") == "routing-link-8891466154290"
    with pytest.raises(ValueError, match="not an order GID"):
        linked_orders.link_tag("#1001")


def order_state(cancelled_at: str | None) -> dict[str, Any]:
    node = {"id": "gid://shopify/Order/9", "name": "#9", "cancelledAt": cancelled_at, "metafield": None}
    return {"data": {"order": {**node, "fulfillmentOrders": {"nodes": []}}}}


def refused(message: str) -> dict[str, Any]:
    error = {"field": ["orderId"], "message": message, "code": "INVALID"}
    return {"data": {"orderCancel": {"job": None, "userErrors": [error]}}}


async def test_a_cancel_that_lost_a_race_with_another_cancel_is_done(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add_json(order_state(None))
    shopify.add_json(refused("Cannot cancel an order that has already been canceled"))
    shopify.add_json(order_state("2026-07-02T23:40:55Z"))
    await linked_orders.cancel_order(client, "gid://shopify/Order/9")
    sent = [body["query"] for body in shopify.bodies()]
    read, cancel = linked_orders.LINKED_ORDER.text, linked_orders.ORDER_CANCEL.text
    assert sent == [read, cancel, read]


async def test_a_refused_cancel_of_a_live_order_raises_with_shopifys_message(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add_json(order_state(None))
    shopify.add_json(refused("Cannot cancel an order that has outstanding fulfillments"))
    shopify.add_json(order_state(None))
    with pytest.raises(ShopifyUserError, match="outstanding fulfillments"):
        await linked_orders.cancel_order(client, "gid://shopify/Order/9")
