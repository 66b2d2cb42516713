"""The tools reading a live store (the emulator stands in for Shopify): `simulate --order` and
`rules check --online`. Neither writes anything to the store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import CA, US, Shopify

from .support import ONE_STRATEGY, RULES, Run, cli_async, rules_dir


async def simulate_order(stores_file: Path, order_id: str, *args: str) -> Run:
    return await cli_async(
        "simulate", "--order", order_id, "--rules", str(RULES), *args, ROUTING_STORES_FILE=str(stores_file)
    )


async def test_simulate_reads_the_order_live_and_prints_its_decision(
    shopify: Shopify, emulator_stores_file: Path
) -> None:
    order = await shopify.place_order(US, [("NW-0005", 1)])  # Shopify puts it at Brooklyn Store
    run = await simulate_order(emulator_stores_file, order["id"], "--store", US)
    assert run.code == 0, run.err
    assert f"{order['name']} ({order['id']}) on {US}" in run.out
    assert "  move  Brooklyn Store → Newark DC" in run.out
    assert await shopify.mutations() == []  # a simulation writes nothing


async def test_simulate_json_reads_live_too(shopify: Shopify, emulator_stores_file: Path) -> None:
    order = await shopify.place_order(CA, [("NW-0004", 1)])
    run = await simulate_order(emulator_stores_file, order["id"], "--store", CA, "--json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["order_id"] == order["id"]


async def test_simulate_of_an_unknown_order_exits_2(shopify: Shopify, emulator_stores_file: Path) -> None:
    run = await simulate_order(emulator_stores_file, "gid://shopify/Order/999999", "--store", US)
    assert run.code == 2 and f"--order: {US} has no order gid://shopify/Order/999999" in run.err


async def test_simulate_with_several_stores_needs_store(shopify: Shopify, emulator_stores_file: Path) -> None:
    run = await simulate_order(emulator_stores_file, "gid://shopify/Order/1")
    assert run.code == 2 and "--store: several stores are configured; name one of" in run.err


async def test_check_online_resolves_locations_against_each_store(
    shopify: Shopify, emulator_stores_file: Path
) -> None:
    run = await cli_async("rules", "check", RULES, "--online", ROUTING_STORES_FILE=str(emulator_stores_file))
    assert run.code == 0, run.out + run.err
    assert "locations checked against the Admin API" in run.out


async def test_check_online_names_a_location_the_store_does_not_have(
    shopify: Shopify, emulator_stores_file: Path, tmp_path: Path
) -> None:
    # Toronto DC is a location, but of the CA store: the US strategy cannot use it.
    directory = rules_dir(tmp_path, ONE_STRATEGY.replace("Chicago DC", "Toronto DC"))
    run = await cli_async(
        "rules", "check", directory, "--online", ROUTING_STORES_FILE=str(emulator_stores_file)
    )
    assert run.code == 1
    assert f"routing.yaml:5:28: strategy us-first: location `Toronto DC` is not a location of {US}" in run.out
