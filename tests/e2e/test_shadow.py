"""Shadow mode end to end: a second rule set decides beside the live one on the emulator's
webhooks, is recorded, never writes to Shopify, and its disagreements are reported."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.app import create_app
from adapters.cli import main
from adapters.loopback import serve_on_loopback
from adapters.settings import ConfigurationError, Settings
from adapters.store import session_factory
from adapters.store.shadow_decisions import ShadowDecisions
from tests.e2e.conftest import PROJECT, US, Shopify, eventually
from tests.e2e.test_routing import Service

NEWARK_FIRST = "locations: [Newark DC, Chicago DC, Dallas DC, Reno DC, Brooklyn Store]"


def store_first_rules(directory: Path) -> Path:
    """The demo rules, but the US store ships from Brooklyn Store when it can (the shadow's idea)."""
    text = (PROJECT / "rules" / "routing.yaml").read_text()
    assert NEWARK_FIRST in text
    directory.mkdir()
    store_first = "locations: [Brooklyn Store, Newark DC, Chicago DC, Dallas DC, Reno DC]"
    (directory / "routing.yaml").write_text(text.replace(NEWARK_FIRST, store_first))
    return directory


@pytest.fixture
async def service(shopify: Shopify, tmp_path: Path) -> AsyncIterator[Service]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=PROJECT / "rules",
        shadow_rules_dir=store_first_rules(tmp_path / "shadow-rules"),
        api_version="2026-01",
        workers=2,
    )
    app = create_app(settings, stores=shopify.stores())
    async with serve_on_loopback(app) as url:
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")
        yield Service(app, url)


async def test_the_live_decision_is_written_once_and_the_shadow_one_is_only_recorded(
    shopify: Shopify,
    service: Service,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Shopify puts NW-0005 at Brooklyn Store; the live rules move it to Newark DC, the shadow keeps it.
    order = await shopify.place_order(US, [("NW-0005", 1)])
    assert order["fulfillment_orders"][0]["assigned_location_name"] == "Brooklyn Store"
    await eventually(lambda: service.decided(US, order["id"]), what="the live decision")
    await eventually(service.drained, what="the inbox to drain")
    await shopify.delivered()
    await eventually(service.drained, what="the echoes to be classified")

    after = await shopify.order(US, order["id"])
    open_at = [fo["assigned_location_name"] for fo in after["fulfillment_orders"] if fo["status"] == "OPEN"]
    assert open_at == ["Newark DC"]  # the live decision, not the shadow's
    summary = json.loads(after["metafields"]["routing_engine.decision"]["value"])
    assert summary["ruleset"] == service.runtime.ruleset.version
    # Exactly the live decision's writes, once each: nothing of the shadow reached Shopify.
    assert [m["mutation"] for m in await shopify.mutations()] == [
        "fulfillmentOrderMove",
        "metafieldsSet",
        "tagsAdd",
    ]

    settings = service.runtime.settings
    monkeypatch.setenv("ROUTING_DATABASE_URL", settings.database_url)
    assert await asyncio.to_thread(main, ["shadow", "report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (disagreement,) = report["disagreements"]
    assert disagreement["order_id"] == order["id"] and disagreement["store"] == US
    assert disagreement["live"]["ruleset"] == service.runtime.ruleset.version
    assert disagreement["shadow"]["ruleset"] != disagreement["live"]["ruleset"]
    (fo,) = disagreement["fulfillment_orders"]
    assert fo["before"]["action"] == "move" and fo["after"]["action"] == "keep"
    assert fo["before"]["target"] != fo["after"]["target"]
    assert fo["after"]["strategy"] == "us-ship-complete"
    assert fo["why"]["before"].startswith("[candidate] Newark DC ships complete")
    assert fo["why"]["after"].startswith("[candidate] Brooklyn Store (current location) ships complete")

    assert await asyncio.to_thread(main, ["shadow", "report"]) == 0
    text = capsys.readouterr().out
    assert "1 of" in text and "disagree with the live one" in text and "why: live trace" in text


async def test_each_live_decision_gets_one_shadow_decision(shopify: Shopify, service: Service) -> None:
    order = await shopify.place_order(US, [("NW-0005", 1)])
    await eventually(lambda: service.decided(US, order["id"]), what="the live decision")
    await shopify.delivered()
    await eventually(service.drained, what="the inbox to drain")
    live = await service.runtime.log.for_order(US, order["id"])
    book = ShadowDecisions(session_factory(service.runtime.database))  # the service's own database
    recorded = await book.disagreements()
    assert sorted(r.decision_id for r in recorded) == sorted(d.id for d in live)


def test_a_shadow_rules_directory_that_is_missing_or_wrong_stops_start_up_naming_the_setting(
    shopify: Shopify, tmp_path: Path
) -> None:
    missing = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=PROJECT / "rules",
        shadow_rules_dir=tmp_path / "no-such-dir",
    )
    with pytest.raises(ConfigurationError, match="ROUTING_SHADOW_RULES_DIR: .*no-such-dir is not a dir"):
        create_app(missing, stores=shopify.stores())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "routing.yaml").write_text("strategies:\n  - id: x\n    allocation: teleport\n")
    with pytest.raises(ConfigurationError, match="ROUTING_SHADOW_RULES_DIR: .*the rule files have errors"):
        create_app(missing.model_copy(update={"shadow_rules_dir": broken}), stores=shopify.stores())
