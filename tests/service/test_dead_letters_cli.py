"""`routing-engine deadletters list|retry` on a SQLite file filled through the store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from adapters.store import Inbox, NewDelivery, create_engine, migrate, session_factory
from tests.service.test_cli import run

US = "north-wind-us.myshopify.com"
CA = "north-wind-ca.myshopify.com"


def fill(url: str, deliveries: list[tuple[str, str, str | None]]) -> list[int]:
    """Store (webhook id, shop, failure reason or None for pending) in order; their ids."""

    async def go() -> list[int]:
        engine = create_engine(url)
        await migrate(engine)
        inbox = Inbox(session_factory(engine))
        ids = []
        for webhook_id, shop, reason in deliveries:
            await inbox.store(
                NewDelivery(
                    webhook_id=webhook_id,
                    shop=shop,
                    topic="fulfillment_orders/order_routing_complete",
                    body="{}",
                )
            )
            row = await inbox.get(webhook_id)
            assert row is not None
            ids.append(row.id)
            if reason is not None:
                leased = await inbox.lease("worker-t", lease_seconds=30)
                assert leased is not None and leased.id == row.id
                await inbox.finish(leased.id, "worker-t", "failed", reason)
        await engine.dispose()
        return ids

    return asyncio.run(go())


def states(url: str) -> dict[str, tuple[str, int, str | None]]:
    async def go() -> dict[str, tuple[str, int, str | None]]:
        engine = create_engine(url)
        inbox = Inbox(session_factory(engine))
        found = {}
        for webhook_id in ("w-1", "w-2", "w-3"):
            row = await inbox.get(webhook_id)
            if row is not None:
                found[webhook_id] = (row.state, row.attempts, row.note)
        await engine.dispose()
        return found

    return asyncio.run(go())


def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/routing.db"


def test_list_prints_the_failed_deliveries_newest_first(tmp_path: Path) -> None:
    url = database(tmp_path)
    one, two, _ = fill(
        url,
        [
            ("w-1", US, "ShopifyError: fulfillment order gid://shopify/FulfillmentOrder/1 not found"),
            ("w-2", CA, "MalformedDelivery: body is not JSON"),
            ("w-3", US, None),
        ],
    )
    result = run("deadletters", "list", ROUTING_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "shop", "topic", "webhook"]
    assert lines[1].startswith(f"{two} ") and "w-2" in lines[1] and "body is not JSON" in lines[1]
    assert lines[2].startswith(f"{one} ") and "FulfillmentOrder/1 not found" in lines[2]
    assert lines[-1] == "2 of 2 failed deliveries, newest first"
    assert "w-3" not in result.stdout

    only_us = run("deadletters", "list", "--shop", US, "--json", ROUTING_DATABASE_URL=url)
    assert only_us.returncode == 0, only_us.stderr
    [letter] = json.loads(only_us.stdout)
    assert letter["id"] == one and letter["webhook_id"] == "w-1" and letter["attempts"] == 1
    assert letter["note"].startswith("ShopifyError:") and letter["failed_at"]

    limited = run("deadletters", "list", "--limit", "1", ROUTING_DATABASE_URL=url)
    assert limited.stdout.splitlines()[-1] == "1 of 2 failed deliveries, newest first"


def test_list_of_an_empty_database_says_so(tmp_path: Path) -> None:
    result = run("deadletters", "list", ROUTING_DATABASE_URL=database(tmp_path))
    assert (result.returncode, result.stdout) == (0, "no failed deliveries\n")


def test_retry_puts_deliveries_back_to_pending(tmp_path: Path) -> None:
    url = database(tmp_path)
    one, two, _ = fill(url, [("w-1", US, "boom"), ("w-2", CA, "bang"), ("w-3", US, "crash")])
    result = run("deadletters", "retry", str(one), str(two), ROUTING_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"retried 2 deliveries (now pending): {one}, {two}\n"
    after = states(url)
    assert after["w-1"][:2] == ("pending", 0) and after["w-2"][:2] == ("pending", 0)
    assert after["w-1"][2] is not None and after["w-1"][2].startswith("retried by hand at ")
    assert after["w-3"][0] == "failed"


def test_retry_all_of_a_shop(tmp_path: Path) -> None:
    url = database(tmp_path)
    one, _, three = fill(url, [("w-1", US, "boom"), ("w-2", CA, "bang"), ("w-3", US, "crash")])
    result = run("deadletters", "retry", "--all", "--shop", US, ROUTING_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"retried 2 deliveries (now pending): {one}, {three}\n"
    assert {k: v[0] for k, v in states(url).items()} == {"w-1": "pending", "w-2": "failed", "w-3": "pending"}


def test_retry_of_unknown_ids_exits_1_naming_them_and_changes_nothing(tmp_path: Path) -> None:
    url = database(tmp_path)
    one, pending = fill(url, [("w-1", US, "boom"), ("w-2", US, None)])
    result = run("deadletters", "retry", str(one), str(pending), "4242", ROUTING_DATABASE_URL=url)
    assert result.returncode == 1
    assert f"{pending}, 4242" in result.stderr and "nothing was retried" in result.stderr
    assert states(url)["w-1"][0] == "failed"


def test_retry_needs_ids_or_all_not_both(tmp_path: Path) -> None:
    url = database(tmp_path)
    assert run("deadletters", "retry", ROUTING_DATABASE_URL=url).returncode == 2
    assert run("deadletters", "retry", "1", "--all", ROUTING_DATABASE_URL=url).returncode == 2
    assert run("deadletters", "retry", "1", "--shop", US, ROUTING_DATABASE_URL=url).returncode == 2
    assert run("deadletters", "list", "--limit", "0", ROUTING_DATABASE_URL=url).returncode == 2
