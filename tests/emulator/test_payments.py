"""What the rules read about an order (value, channel, payment, customer, products, shop time),
and the payment lifecycle: capture, `orders/paid` and `order_transactions/create` as REST payloads."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.emulator.server import EmulatorServer
from tests.emulator.conftest import SHOP, Admin, place

ORDER_QUERY = """
query Order($id: ID!) {
  shop { ianaTimezone }
  order(id: $id) {
    sourceName displayFinancialStatus
    totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
    customer { tags }
    fulfillmentOrders(first: 5) {
      nodes {
        lineItems(first: 5) {
          nodes {
            sku lineItem { id }
            variant { product { productType } }
            financialSummaries {
              quantity
              approximateDiscountedUnitPriceSet { shopMoney { amount } }
              originalUnitPriceSet { shopMoney { amount } }
            }
          }
        }
      }
    }
  }
}
"""


async def read_order(admin: Admin, order_id: str) -> dict[str, Any]:
    result = await admin(ORDER_QUERY, {"id": order_id})
    assert "errors" not in result, result
    data: dict[str, Any] = result["data"]
    return data


async def pay(server: EmulatorServer, http: httpx.AsyncClient, ref: str) -> httpx.Response:
    return await http.post(f"{server.base_url}/_emulator/stores/{SHOP}/orders/{ref}/pay")


async def webhooks(server: EmulatorServer, http: httpx.AsyncClient, topic: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (
        await http.get(f"{server.base_url}/_emulator/webhooks", params={"topic": topic})
    ).json()
    return found


async def test_serves_value_channel_payment_customer_and_product_fields(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    order = await place(
        server,
        http,
        [("A", 2), ("B", 1)],
        financial_status="AUTHORIZED",
        source_name="pos",
        customer_tags=["vip"],
    )
    data = await read_order(admin, order["id"])
    assert data["shop"] == {"ianaTimezone": "America/Toronto"}
    read = data["order"]
    assert (read["sourceName"], read["displayFinancialStatus"]) == ("pos", "AUTHORIZED")
    assert read["totalPriceSet"]["shopMoney"] == {"amount": "2.5", "currencyCode": "USD"}, "2 x 1.25 + 1 x 0"
    assert read["customer"] == {"tags": ["vip"]}
    lines = {
        line["sku"]: line for fo in read["fulfillmentOrders"]["nodes"] for line in fo["lineItems"]["nodes"]
    }
    apple = lines["A"]
    assert apple["variant"] == {"product": {"productType": "Fruit"}}
    assert apple["financialSummaries"] == [
        {
            "quantity": 2,
            "approximateDiscountedUnitPriceSet": {"shopMoney": {"amount": "1.25"}},
            "originalUnitPriceSet": {"shopMoney": {"amount": "1.25"}},
        }
    ]
    assert lines["B"]["variant"] == {"product": {"productType": ""}}, "Shopify's empty product type"


async def test_a_guest_checkout_has_no_customer_and_an_online_order_is_paid_from_the_web(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    order = await place(server, http, [("A", 1)])
    read = (await read_order(admin, order["id"]))["order"]
    assert (read["customer"], read["sourceName"], read["displayFinancialStatus"]) == (None, "web", "PAID")


async def test_capturing_a_pending_payment_pays_the_order_and_sends_shopifys_webhooks(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    order = await place(server, http, [("A", 4)], financial_status="PENDING", customer_tags=["b2b", "net-30"])
    response = await pay(server, http, order["name"].lstrip("#"))
    assert response.status_code == 200, response.text
    assert response.json()["financial_status"] == "PAID"
    assert (await read_order(admin, order["id"]))["order"]["displayFinancialStatus"] == "PAID"

    number = int(order["id"].rsplit("/", 1)[-1])
    [paid] = await webhooks(server, http, "orders/paid")
    body = paid["body"]
    assert (body["id"], body["admin_graphql_api_id"], body["name"]) == (number, order["id"], order["name"])
    assert (body["financial_status"], body["total_price"], body["currency"]) == ("paid", "5.00", "USD")
    assert body["customer"]["tags"] == "b2b, net-30", "REST carries tags as one comma-separated string"
    assert body["line_items"][0]["sku"] == "A" and body["line_items"][0]["price"] == "1.25"
    assert body["created_at"].endswith(("-05:00", "-04:00")), "REST times are in the shop's zone"

    [transaction] = await webhooks(server, http, "order_transactions/create")
    txn = transaction["body"]
    assert (txn["order_id"], txn["kind"], txn["status"], txn["amount"]) == (number, "sale", "success", "5.00")
    assert txn["admin_graphql_api_id"].startswith("gid://shopify/OrderTransaction/"), "names the transaction"
    assert transaction["event_id"] == paid["event_id"], "one merchant action"
    assert len(await webhooks(server, http, "orders/updated")) == 1


async def test_capturing_an_authorization_is_a_capture_of_it(
    server: EmulatorServer, http: httpx.AsyncClient
) -> None:
    order = await place(server, http, [("A", 1)], financial_status="AUTHORIZED")
    [authorization] = order["transactions"]
    assert authorization["kind"] == "authorization"
    assert (await pay(server, http, order["id"])).status_code == 200
    [transaction] = await webhooks(server, http, "order_transactions/create")
    assert transaction["body"]["kind"] == "capture"
    assert transaction["body"]["parent_id"] == authorization["id"]


async def test_a_paid_order_has_nothing_to_capture(server: EmulatorServer, http: httpx.AsyncClient) -> None:
    order = await place(server, http, [("A", 1)])
    response = await pay(server, http, order["id"])
    assert response.status_code == 409 and "PAID" in response.json()["error"]
    assert await webhooks(server, http, "orders/paid") == []


async def test_paying_an_unknown_order_is_404(server: EmulatorServer, http: httpx.AsyncClient) -> None:
    assert (await pay(server, http, "9999")).status_code == 404


async def test_an_order_cannot_be_placed_refunded(server: EmulatorServer, http: httpx.AsyncClient) -> None:
    body = {"lines": [{"sku": "A", "quantity": 1}], "financial_status": "REFUNDED"}
    response = await http.post(f"{server.base_url}/_emulator/stores/{SHOP}/orders", json=body)
    assert response.status_code == 422 and "PENDING" in response.json()["error"]
