"""Shopify's mandatory privacy webhooks, signed and posted to the real route of the running service.

The emulator places real orders (their `orders/create` webhooks carry the customer's name, phone
and street; their decisions keep the destination), then the compliance webhooks arrive as
Shopify sends them: a data request is exported, a customer is redacted, a shop is deleted.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from starlette.applications import Starlette

from adapters.app import Runtime, create_app
from adapters.cli import main
from adapters.loopback import serve_on_loopback
from adapters.privacy.redaction import SHOP_TABLES
from adapters.settings import Settings, StoreConfig
from adapters.store import session_factory
from adapters.store.privacy_requests import PrivacyRequests
from adapters.store.tables import DeliveryRow
from tests.e2e.conftest import CA, PROJECT, US, Shopify, eventually

ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "phone": "+1 212 555 0100",
    "address1": "12 Analytical Row",
    "city": "New York",
    "province_code": "NY",
    "country_code": "US",
    "zip": "10013",
}
GRACE = {**ADA, "first_name": "Grace", "last_name": "Hopper", "address1": "7 Compiler Lane", "zip": "10014"}
ADA_TRACES = ("Lovelace", "Analytical Row", "10013")  # the emulator's payloads carry no phone


class Service:
    def __init__(self, app: Starlette, url: str, stores: tuple[StoreConfig, ...], database_url: str) -> None:
        self.app, self.url, self.database_url = app, url, database_url
        self.stores = {store.domain: store for store in stores}

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def post(self, shop: str, topic: str, payload: dict[str, Any], *, webhook_id: str) -> int:
        body = json.dumps(payload).encode()
        secret = self.stores[shop].client_secrets[0].get_secret_value().encode()
        headers = {
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Hmac-Sha256": base64.b64encode(
                hmac.new(secret, body, hashlib.sha256).digest()
            ).decode(),
            "Content-Type": "application/json",
        }
        async with httpx.AsyncClient() as http:
            return (
                await http.post(f"{self.url}/webhooks/shopify", content=body, headers=headers)
            ).status_code

    async def drained(self) -> bool:
        return (await self.runtime.inbox.counts()).get("pending", 0) == 0

    async def decided(self, shop: str, order_id: str) -> bool:
        stored = await self.runtime.log.for_order(shop, order_id)
        return bool(stored) and all(d.state != "executing" for d in stored)

    async def rows(self, table: str, where: str, **params: str) -> list[dict[str, Any]]:
        async with self.runtime.database.connect() as connection:
            result = await connection.execute(text(f"SELECT * FROM {table} WHERE {where}"), params)
            return [dict(row) for row in result.mappings()]

    async def bodies(self, shop: str) -> str:
        """Everything the shop's stored webhooks and decisions hold, as one text to search."""
        deliveries = await self.rows("deliveries", "shop = :shop", shop=shop)
        decisions = await self.rows("decisions", "shop = :shop", shop=shop)
        return "\n".join([*(d["body"] for d in deliveries), *(d["snapshot"] for d in decisions)])


@pytest.fixture
async def service(shopify: Shopify, tmp_path: Path) -> AsyncIterator[Service]:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/routing.db"
    settings = Settings(
        database_url=database_url,
        rules_dir=PROJECT / "rules",
        api_version="2026-01",
        workers=2,
        rules_poll_seconds=0,
    )
    stores = shopify.stores()
    app = create_app(settings, stores=stores)
    async with serve_on_loopback(app) as url:
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")
        yield Service(app, url, stores, database_url)


async def place(shopify: Shopify, service: Service, shop: str, address: dict[str, str]) -> dict[str, Any]:
    order = await shopify.place_order(
        shop, [("NW-0005", 1)], shipping_address=address, customer_tags=["vip"], financial_status="PENDING"
    )
    await eventually(lambda: service.decided(shop, order["id"]), what=f"the decision of {order['name']}")
    await shopify.pay(shop, order["id"])  # orders/paid carries the customer and the whole address
    await shopify.delivered()
    await eventually(service.drained, what="an empty queue")
    return order


async def customer_of(service: Service, shop: str, order: dict[str, Any]) -> int:
    """The customer id as Shopify's payloads give it (from the order's stored orders/paid)."""
    numeric = order["id"].rsplit("/", 1)[-1]
    for delivery in await service.rows("deliveries", "shop = :shop AND topic = 'orders/paid'", shop=shop):
        body = json.loads(delivery["body"])
        if str(body["id"]) == numeric:
            return int(body["customer"]["id"])
    raise AssertionError(f"no orders/paid stored for {order['name']}")


def compliance(shop: str, customer: int, orders: list[str], **more: Any) -> dict[str, Any]:
    """A compliance payload as Shopify sends it (numeric ids)."""
    return {
        "shop_id": 954889,
        "shop_domain": shop,
        "customer": {"id": customer, "email": "ada@example.com", "phone": "+1 212 555 0100"},
        **{key: [int(gid.rsplit("/", 1)[-1]) for gid in orders] for key in more.pop("lists", ())},
        **more,
    }


async def test_a_data_request_is_recorded_and_exported_with_what_we_hold(
    shopify: Shopify,
    service: Service,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ada = await place(shopify, service, US, ADA)
    customer = await customer_of(service, US, ada)
    payload = compliance(US, customer, [ada["id"]], lists=["orders_requested"], data_request={"id": 9999})
    assert await service.post(US, "customers/data_request", payload, webhook_id="privacy-dr-1") == 200
    await eventually(service.drained, what="the data request processed")

    # What a merchant's engineer runs: list the requests, then export the one Shopify named.
    monkeypatch.setenv("ROUTING_DATABASE_URL", service.database_url)
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["privacy", "requests", "--shop", US, "--json"]) == 0
    [request] = json.loads(capsys.readouterr().out)
    assert request["kind"] == "customers/data_request" and request["request_id"] == "9999"
    assert request["order_ids"] == [ada["id"]] and request["exported_at"] is None
    unknown = ["privacy", "export", "--shop", US, "--request-id", "1234", "--out", str(tmp_path / "x.json")]
    assert await asyncio.to_thread(main, unknown) == 2
    assert "no data request with that id" in capsys.readouterr().err and not (tmp_path / "x.json").exists()

    out = tmp_path / "export.json"
    command = ["privacy", "export", "--shop", US, "--request-id", "9999", "--out", str(out)]
    assert await asyncio.to_thread(main, command) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    export = json.loads(out.read_text())
    assert export["request"] == {
        "id": "9999",
        "customer_id": f"gid://shopify/Customer/{customer}",
        "orders": [ada["id"]],
        "received_at": export["request"]["received_at"],
    }
    topics = {webhook["topic"] for webhook in export["webhooks"]}
    assert "orders/paid" in topics and "customers/data_request" not in topics
    paid = next(w["payload"] for w in export["webhooks"] if w["topic"] == "orders/paid")
    assert paid["shipping_address"]["last_name"] == "Lovelace"
    decision = export["decisions"][0]
    assert decision["order_id"] == ada["id"] and decision["input"]["shipping_address"]["zip"] == "10013"
    assert decision["input"]["customer_tags"] == ["vip"]
    [request] = await PrivacyRequests(session_factory(service.runtime.database)).listed(shop=US)
    assert request.exported_at is not None


async def test_a_customer_redaction_removes_their_personal_data_and_keeps_the_decisions(
    shopify: Shopify, service: Service
) -> None:
    ada = await place(shopify, service, US, ADA)
    grace = await place(shopify, service, US, GRACE)
    customer = await customer_of(service, US, ada)
    before = {d.id: d.decision for d in await service.runtime.log.for_order(US, ada["id"])}
    held = await service.bodies(US)
    assert [trace for trace in ADA_TRACES if trace in held] == list(ADA_TRACES)

    payload = compliance(US, customer, [ada["id"]], lists=["orders_to_redact"])
    # Unsigned, it is refused and changes nothing.
    async with httpx.AsyncClient() as http:
        forged = {
            "X-Shopify-Shop-Domain": US,
            "X-Shopify-Topic": "customers/redact",
            "X-Shopify-Webhook-Id": "f",
        }
        answer = await http.post(f"{service.url}/webhooks/shopify", json=payload, headers=forged)
    assert answer.status_code == 401
    assert await service.post(US, "customers/redact", payload, webhook_id="privacy-redact-1") == 200
    await eventually(service.drained, what="the redaction processed")

    held = await service.bodies(US)
    assert [trace for trace in ADA_TRACES if trace in held] == []
    # The compliance payload itself keeps only the customer's id.
    assert "ada@example.com" not in held and "555 0100" not in held
    assert "Hopper" in held and "10014" in held  # another customer's orders are untouched
    # The decisions stay, as they were made; their input keeps the country and province.
    after = await service.runtime.log.for_order(US, ada["id"])
    assert {d.id: d.decision for d in after} == before
    seen = await service.runtime.log.snapshot_of(after[0].id)
    address = seen.order.shipping_address
    assert address is not None and (address.country_code, address.province_code) == ("US", "NY")
    assert (address.city, address.zip, address.latitude) == (None, None, None)
    assert seen.order.customer_tags == frozenset()
    grace_decision, *_ = await service.runtime.log.for_order(US, grace["id"])
    assert (await service.runtime.log.snapshot_of(grace_decision.id)).order.customer_tags == {"vip"}

    [done] = await service.rows("deliveries", "webhook_id = 'privacy-redact-1'")
    assert done["state"] == "done" and "redacted" in done["note"]
    [record] = await PrivacyRequests(session_factory(service.runtime.database)).listed(shop=US)
    assert record.kind == "customers/redact" and record.done_at is not None
    assert record.order_ids == (ada["id"],) and record.summary["decisions"] >= 1
    assert record.summary["deliveries"] >= 2  # orders/paid and the redaction's own payload

    # Redelivered: nothing left to change, the same record.
    assert await service.post(US, "customers/redact", payload, webhook_id="privacy-redact-2") == 200
    await eventually(service.drained, what="the second redaction processed")
    [again] = await PrivacyRequests(session_factory(service.runtime.database)).listed(shop=US)
    assert again.id == record.id and again.summary["decisions"] == 0


async def test_a_shop_redaction_deletes_everything_of_that_shop_and_nothing_else(
    shopify: Shopify, service: Service
) -> None:
    await place(shopify, service, US, ADA)
    ca = await place(shopify, service, CA, {**GRACE, "country_code": "CA", "province_code": "ON"})
    ca_rows = {
        table: await service.rows(table, f"{column} = :shop", shop=CA)
        for table, column in SHOP_TABLES.items()
    }

    payload = {"shop_id": 954889, "shop_domain": US}
    assert await service.post(US, "shop/redact", payload, webhook_id="privacy-shop-1") == 200
    await eventually(service.drained, what="the shop redaction processed")

    left = {
        table: await service.rows(table, f"{column} = :shop", shop=US)
        for table, column in SHOP_TABLES.items()
    }
    # What stays: the shop/redact webhook itself and the record that the deletion was done.
    assert [row["topic"] for row in left.pop("deliveries")] == ["shop/redact"]
    [record] = left.pop("privacy_requests")
    assert record["kind"] == "shop/redact" and json.loads(record["summary"])["decisions"] >= 1
    assert {table: rows for table, rows in left.items() if rows} == {}
    # The other shop is untouched, row for row.
    assert {
        table: await service.rows(table, f"{column} = :shop", shop=CA)
        for table, column in SHOP_TABLES.items()
    } == ca_rows
    assert await service.decided(CA, ca["id"])
    async with session_factory(service.runtime.database)() as session:
        assert (await session.scalars(select(DeliveryRow.id).where(DeliveryRow.shop == CA))).all()
