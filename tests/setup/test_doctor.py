"""`shopify doctor` says, per store and in plain words, what is right and what to fix; exit 0 / 1 / 2."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import SecretStr

from adapters.emulator.app_installation import installation
from adapters.emulator.server import EmulatorServer
from adapters.settings import Settings, StoreConfig
from adapters.shopify_setup.doctor import version_support
from adapters.shopify_setup.needs import HANDLED_TOPICS
from adapters.shopify_setup.runs import run_doctor
from adapters.shopify_setup.subscriptions import subscribe
from tests.emulator.conftest import SHOP
from tests.setup.conftest import OUR_URL, Connect, store_config

TODAY = datetime(2026, 11, 27, tzinfo=UTC)
PROJECT = Path(__file__).resolve().parents[2]


async def doctor(emulator: EmulatorServer, *, url: str | None = OUR_URL, **store: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_doctor(
        Settings(api_version="2026-01"),
        (store_config(emulator, **store),),
        url=url,
        app_subscriptions=False,
        out=out,
        today=TODAY,
    )
    return code, out.getvalue()


async def test_a_well_set_up_store_is_all_good(emulator: EmulatorServer, connect: Connect) -> None:
    async with connect(store_config(emulator)) as client:
        await subscribe(client, OUR_URL)
    code, report = await doctor(emulator)
    assert code == 0, report
    assert "PROBLEM" not in report
    assert "  ok       token: works (shop 'Tiny')" in report
    assert "scopes: all 11 needed are granted" in report
    assert "API version: 2026-01 is supported until at least 2027-01-01" in report
    assert "locations: 3 readable, 3 active" in report
    assert f"subscriptions: all {len(HANDLED_TOPICS)} topics go to {OUR_URL}" in report
    assert report.endswith("1 store(s) checked: all good\n")


async def test_a_refused_token_is_said_with_what_to_do_and_stops_that_store(emulator: EmulatorServer) -> None:
    code, report = await doctor(emulator, token="shpat_revoked")
    assert code == 1
    assert "PROBLEM  token: the access token was refused (HTTP 401)" in report
    assert "access_token in the stores file" in report
    assert "scopes" not in report  # every later check would fail the same way
    assert "shpat_revoked" not in report


async def test_missing_scopes_an_old_version_and_missing_subscriptions_are_each_named(
    emulator: EmulatorServer, connect: Connect
) -> None:
    granted = installation(emulator.state, emulator.state.stores[SHOP])
    granted.scopes = [s for s in granted.scopes if s not in ("read_customers", "write_orders")]
    async with connect(store_config(emulator)) as client:
        await subscribe(client, "https://old-host.example/webhooks/shopify", topics=["orders/paid"])
        await subscribe(client, OUR_URL, topics=HANDLED_TOPICS - {"orders/paid", "orders/cancelled"})
    code, report = await doctor(emulator, api_version="2025-07")
    assert code == 1
    assert "PROBLEM  scopes: missing read_customers (Order.customer.tags" in report
    assert "write_orders (metafieldsSet and tagsAdd" in report
    assert "PROBLEM  API version: 2025-07 is more than 12 months old" in report
    assert f"PROBLEM  subscriptions: 2 of {len(HANDLED_TOPICS)} topics are not sent to {OUR_URL}" in report
    assert "orders/cancelled, orders/paid" in report
    assert "(sent elsewhere: orders/paid → https://old-host.example/webhooks/shopify)" in report
    assert f"run `routing-engine shopify subscribe --url {OUR_URL}`" in report
    assert report.endswith("1 store(s) checked: 3 problem(s) to fix\n")


async def test_without_url_any_address_of_our_route_counts(
    emulator: EmulatorServer, connect: Connect
) -> None:
    async with connect(store_config(emulator)) as client:
        await subscribe(client, "https://replica.example/webhooks/shopify")
    code, report = await doctor(emulator, url=None)
    assert code == 0, report
    assert "topics go to an address ending in /webhooks/shopify" in report


async def test_subscriptions_declared_in_the_app_toml_are_not_required_by_api(
    emulator: EmulatorServer,
) -> None:
    out = io.StringIO()
    code = await run_doctor(
        Settings(api_version="2026-01"),
        (store_config(emulator),),
        url=None,
        app_subscriptions=True,
        out=out,
        today=TODAY,
    )
    assert code == 0
    assert "subscriptions: declared in shopify.app.toml" in out.getvalue()


async def test_an_unreachable_admin_api_is_named_with_its_address() -> None:
    out = io.StringIO()
    unreachable = StoreConfig(
        domain=SHOP,
        access_token=SecretStr("shpat_x"),
        client_secrets=(SecretStr("s"),),
        admin_api_url="http://127.0.0.1:9/{domain}/{api_version}/graphql.json",  # discard port: refused
    )
    settings = Settings(api_version="2026-01", shopify_timeout_seconds=2)
    code = await run_doctor(settings, (unreachable,), url=None, app_subscriptions=False, out=out, today=TODAY)
    assert code == 1
    assert "PROBLEM  connection: the Admin API at http://127.0.0.1:9/" in out.getvalue()
    assert "check the store's admin_api_url" in out.getvalue()


def test_api_versions_are_judged_by_shopifys_support_window() -> None:
    today = date(2026, 11, 27)
    assert version_support("2026-01", today) == ("ok", "2026-01 is supported until at least 2027-01-01")
    assert version_support("2025-10", date(2026, 9, 30))[0] == "ok"
    assert version_support("2025-10", date(2026, 10, 1))[0] == "problem"
    assert version_support("2027-01", today) == (
        "problem",
        "2027-01 is not released yet (it comes out on 2027-01-01); use an earlier one",
    )
    assert version_support("unstable", today)[0] == "problem"
    assert "not a Shopify API version" in version_support("2026-02", today)[1]


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ROUTING_")}
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        env={**clean, **env},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_usage_errors_exit_2_saying_what_to_write(tmp_path: Path) -> None:
    stores = tmp_path / "stores.toml"
    stores.write_text('[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "t"\nclient_secrets = ["s"]\n')
    no_file = run_cli("shopify", "doctor")
    assert no_file.returncode == 2 and "ROUTING_STORES_FILE" in no_file.stderr
    bad_url = run_cli("shopify", "subscribe", "--url", "routing.example.com", ROUTING_STORES_FILE=str(stores))
    assert bad_url.returncode == 2 and "--url" in bad_url.stderr and "https://" in bad_url.stderr
    other = run_cli("shopify", "doctor", "--store", "b.myshopify.com", ROUTING_STORES_FILE=str(stores))
    assert other.returncode == 2 and "b.myshopify.com is not in" in other.stderr
    missing = run_cli("shopify", "subscribe")
    assert missing.returncode == 2 and "--url" in missing.stderr
