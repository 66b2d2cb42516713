"""The scenario loader: the shared fixture is valid, and malformed files say clearly what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.emulator.scenario import ScenarioError, load_scenario
from adapters.emulator.state import EmulatorState

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "two-stores-us-ca.json"


def test_the_shared_scenario_matches_the_contract() -> None:
    scenario = load_scenario(FIXTURE)
    us, ca = scenario.stores
    assert (us.domain, ca.domain) == ("north-wind-us.myshopify.com", "north-wind-ca.myshopify.com")
    assert [loc.name for loc in us.locations] == [
        "Newark DC",
        "Chicago DC",
        "Dallas DC",
        "Reno DC",
        "Brooklyn Store",
    ]
    assert [loc.name for loc in ca.locations] == ["Toronto DC", "Montreal DC", "Vancouver DC"]
    assert us.native_routing[0] == "Brooklyn Store"
    for store in scenario.stores:
        assert [p.sku for p in store.products] == [f"NW-{n:04d}" for n in range(1, 31)]
        quantities = [q for p in store.products for q in p.stock.values()]
        assert 0 in quantities and max(quantities) <= 40
        assert any(len(p.stock) < len(store.locations) for p in store.products)  # some SKUs not stocked
    assert (us.timezone, ca.timezone) == ("America/New_York", "America/Toronto")
    for store in scenario.stores:
        assert {p.product_type for p in store.products} == {
            "Outerwear",
            "Accessories",
            "Footwear",
            "Base Layers",
        }
        assert all(p.price > 0 for p in store.products)
    state = EmulatorState(scenario)
    us_items = {i.sku: i.id for i in state.stores[us.domain].inventory.items.values()}
    ca_items = {i.sku: i.id for i in state.stores[ca.domain].inventory.items.values()}
    assert set(us_items.values()).isdisjoint(ca_items.values())


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "not valid JSON"),
        ('{"stores": []}', "stores"),
        (
            json.dumps(
                {
                    "stores": [
                        {
                            "domain": "x.myshopify.com",
                            "name": "X",
                            "access_token": "t",
                            "client_secret": "s",
                            "native_routing": ["Nowhere"],
                            "locations": [{"name": "A", "address": {"country_code": "US"}}],
                        }
                    ]
                }
            ),
            "native_routing names unknown locations ['Nowhere']",
        ),
        (
            json.dumps(
                {
                    "stores": [
                        {
                            "domain": "x.myshopify.com",
                            "name": "X",
                            "timezone": "America/Atlantis",
                            "access_token": "t",
                            "client_secret": "s",
                            "native_routing": [],
                            "locations": [{"name": "A", "address": {"country_code": "US"}}],
                        }
                    ]
                }
            ),
            "unknown IANA time zone 'America/Atlantis'",
        ),
    ],
)
def test_a_malformed_scenario_is_refused_with_a_clear_message(
    tmp_path: Path, content: str, complaint: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ScenarioError, match="bad.json") as raised:
        load_scenario(path)
    assert complaint in str(raised.value)


def test_a_missing_scenario_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "absent.json")
