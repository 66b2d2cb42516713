"""Shadow rule reloads are counted in `routing_rule_reloads_total`, apart from the live rule set's.

The running service watches both rule directories; an edit of the shadow rule files is reloaded
by the file watch (checked in a child like any reload) and scraped from `/metrics`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.app import create_app
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings
from tests.e2e.conftest import PROJECT, Shopify, eventually
from tests.e2e.test_shadow import store_first_rules

Reloads = dict[tuple[str, str], float]


class Service:
    def __init__(self, url: str, shadow_rules: Path) -> None:
        self.url, self.shadow_rules = url, shadow_rules

    async def reloads(self) -> Reloads:
        """`routing_rule_reloads_total` by (rule_set, result), as scraped."""
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"{self.url}/metrics")).text
        return {
            (sample.labels["rule_set"], sample.labels["result"]): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "routing_rule_reloads_total"
        }


@pytest.fixture
async def service(shopify: Shopify, tmp_path: Path) -> AsyncIterator[Service]:
    shadow_rules = store_first_rules(tmp_path / "shadow-rules")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=PROJECT / "rules",
        shadow_rules_dir=shadow_rules,
        api_version="2026-01",
        workers=1,
        rules_poll_seconds=0.2,
    )
    app = create_app(settings, stores=shopify.stores())
    async with serve_on_loopback(app) as url:
        yield Service(url, shadow_rules)


async def test_shadow_rule_reloads_are_counted_under_their_own_label(service: Service) -> None:
    before = await service.reloads()
    assert set(before) == {(s, r) for s in ("live", "shadow") for r in ("reloaded", "unchanged", "rejected")}
    assert set(before.values()) == {0}

    routing = service.shadow_rules / "routing.yaml"
    store_first = routing.read_text()
    routing.write_text(store_first.replace("[Brooklyn Store, Newark DC,", "[Newark DC, Brooklyn Store,"))
    assert routing.read_text() != store_first  # a different rule set

    async def reloaded() -> bool:
        return (await service.reloads())[("shadow", "reloaded")] == 1

    await eventually(reloaded, what="the shadow rule files reloaded by the watch")
    routing.write_text("strategies: [")  # broken: rejected, the shadow rules before keep deciding

    async def rejected() -> bool:
        return (await service.reloads())[("shadow", "rejected")] == 1

    await eventually(rejected, what="the broken shadow rule files rejected")
    after = await service.reloads()
    assert {key: value for key, value in after.items() if value} == {
        ("shadow", "reloaded"): 1,
        ("shadow", "rejected"): 1,
    }
