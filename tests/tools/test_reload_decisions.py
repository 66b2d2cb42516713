"""End to end: after a rule change, the next decision is made, and recorded, by the new rules."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from adapters.app import Runtime, create_app
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings
from tests.e2e.conftest import US, Shopify, eventually

from .support import RULES

TOKEN = "a-long-enough-admin-token"


async def test_the_decision_after_a_reload_records_the_new_version_and_follows_the_new_rules(
    shopify: Shopify, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    default = (RULES / "routing.yaml").read_text()
    (rules / "routing.yaml").write_text(default)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=rules,
        api_version="2026-01",
        workers=1,
        rules_poll_seconds=0,
        admin_token=SecretStr(TOKEN),
    )
    app = create_app(settings, stores=shopify.stores())
    async with serve_on_loopback(app) as url, httpx.AsyncClient(base_url=url) as http:
        runtime: Runtime = app.state.runtime
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")

        async def decide_one() -> tuple[str, str]:
            """Place an order for NW-0004 (Shopify puts it at Reno DC); the version and where it went."""
            order = await shopify.place_order(US, [("NW-0004", 1)])

            async def decided() -> bool:
                stored = await runtime.log.for_order(US, order["id"])
                return bool(stored) and all(d.state != "executing" for d in stored)

            await eventually(decided, what=f"the decision of {order['name']}")
            (stored,) = await runtime.log.for_order(US, order["id"])
            after = await shopify.order(US, order["id"])
            (fo,) = [fo for fo in after["fulfillment_orders"] if fo["status"] == "OPEN"]
            return stored.decision.ruleset_version, fo["assigned_location_name"]

        first_version, first_place = await decide_one()
        assert (first_version, first_place) == (runtime.ruleset.version, "Newark DC")

        us_order = "[Newark DC, Chicago DC, Dallas DC,"
        dallas_first = default.replace(us_order, "[Dallas DC, Newark DC, Chicago DC,")
        assert dallas_first != default
        (rules / "routing.yaml").write_text(dallas_first)
        reloaded = await http.post("/admin/rules/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert reloaded.json()["result"] == "reloaded"

        second_version, second_place = await decide_one()
        assert second_version == reloaded.json()["serving"] != first_version
        assert second_place == "Dallas DC"
