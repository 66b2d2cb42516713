"""`GET /api/v1/shadow/disagreements`: where the shadow rule set disagrees with the live one, per store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.decision_diff import compare
from adapters.rule_files import load_ruleset
from adapters.store import DecisionLog
from adapters.store.shadow_decisions import ShadowDecisions
from engine import FulfillmentOrderOutcome, decide
from engine.model import Snapshot
from tests.api.conftest import (
    COORDINATOR,
    EU,
    EU_FO,
    EU_ONLY,
    EU_ORDER,
    US,
    US_FO,
    US_ORDER,
    Api,
    bearer,
    order_snapshot,
)


async def record_disagreement(sessions: async_sessionmaker[AsyncSession], snapshot: Snapshot) -> str:
    """The demo rules' live decision, and a shadow one that holds the order."""
    live = decide(snapshot, load_ruleset(Path(__file__).resolve().parents[2] / "rules"))
    fo = snapshot.fulfillment_orders[0].id
    held = FulfillmentOrderOutcome(fulfillment_order_id=fo, action="hold", hold_reason="OTHER")
    shadow = live.model_copy(update={"ruleset_version": "shadow-v2", "fulfillment_orders": (held,)})
    decision_id = await DecisionLog(sessions).record(live, snapshot, fingerprint=fo, delivery_id=None)
    assert decision_id is not None
    assert await ShadowDecisions(sessions).record(decision_id, live, shadow, compare(live, shadow))
    return decision_id


async def test_the_disagreements_of_the_stores_the_token_sees_are_listed_with_from_and_to(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    us = await record_disagreement(sessions, order_snapshot(US, US_ORDER, US_FO))
    eu = await record_disagreement(sessions, order_snapshot(EU, EU_ORDER, EU_FO))
    every = (await api.client.get("/api/v1/shadow/disagreements", headers=bearer(COORDINATOR))).json()
    assert [d["decision_id"] for d in every["disagreements"]] == [us, eu]
    (change,) = every["disagreements"][0]["fulfillment_orders"]
    assert change["after"]["action"] == "hold" and change["after"]["hold_reason"] == "OTHER"
    assert every["disagreements"][0]["shadow"]["ruleset"] == "shadow-v2"
    eu_only = (await api.client.get("/api/v1/shadow/disagreements", headers=bearer(EU_ONLY))).json()
    assert [d["decision_id"] for d in eu_only["disagreements"]] == [eu]


async def test_a_since_that_is_no_date_is_a_400_naming_the_parameter(api: Api) -> None:
    answer = await api.client.get("/api/v1/shadow/disagreements?since=soon", headers=bearer(COORDINATOR))
    assert answer.status_code == 400
    assert answer.json()["where"] == "query parameter since"
