"""Shadow mode: a second rule set decides every live decision's snapshot, recorded, never written.

With `ROUTING_SHADOW_RULES_DIR` set, the service loads that rule set too (checked in a child
process like the live one, and reloaded when its files change). Right after a live decision is
recorded, processing hands it here: the shadow rule set decides the same snapshot (the very
input the live decision saw), the two are compared per fulfillment order (`decision_diff`), and
the result goes to the `shadow_decisions` table. Shadow decisions have no intents in the
outbox, so nothing of theirs ever reaches Shopify; a failure here is logged and never disturbs
the live decision.

`routing-engine shadow report` and `GET /api/v1/shadow/disagreements` list the disagreements.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from adapters.decision_diff import Change, Placement, compare
from adapters.metrics import NO_METRICS, Metrics
from adapters.rule_check import RuleChecker
from adapters.rule_files import RuleFilesMissing
from adapters.rule_reload import RuleReloader
from adapters.settings import ConfigurationError, Settings
from adapters.store import create_engine, migrate, session_factory
from adapters.store.shadow_decisions import ShadowDecisions, ShadowRecord
from engine import Decision, RuleSet, RuleSetError, Snapshot, decide

logger = logging.getLogger(__name__)

Decide = Callable[[Snapshot, RuleSet], Decision]


class ShadowMode:
    """Decides with the shadow rule set after each live decision, and records the comparison."""

    def __init__(self, rules: RuleReloader, book: ShadowDecisions, *, decide: Decide = decide) -> None:
        self.rules = rules
        self._book = book
        self._decide = decide

    async def after_live(self, decision_id: str, live: Decision, snapshot: Snapshot) -> None:
        """Decide `snapshot` with the shadow rules and record it beside live decision `decision_id`."""
        try:
            shadow = self._decide(snapshot, self.rules.ruleset)
            changes = compare(live, shadow)
            await self._book.record(decision_id, live, shadow, changes)
        except Exception:  # shadow mode is an experiment: the live decision goes on regardless
            logger.exception("shadow decision for %s (decision %s) failed", live.order_id, decision_id)
            return
        if changes:
            logger.info(
                "shadow rules %s disagree with %s on %s: %d fulfillment order(s)",
                shadow.ruleset_version,
                live.ruleset_version,
                live.order_name or live.order_id,
                len(changes),
            )


def load_shadow_rules(
    directory: Path, checker: RuleChecker, *, metrics: Metrics = NO_METRICS
) -> RuleReloader:
    """The shadow rule set, checked in a child like the live one; errors name ROUTING_SHADOW_RULES_DIR.
    Its reloads are counted as `rule_set="shadow"`."""
    try:
        return RuleReloader.load(directory, checker, metrics=metrics, name="shadow")
    except RuleFilesMissing as exc:
        raise ConfigurationError(str(exc).replace("ROUTING_RULES_DIR", "ROUTING_SHADOW_RULES_DIR")) from None
    except RuleSetError as exc:
        why = f"ROUTING_SHADOW_RULES_DIR: {directory}: the rule files have errors:\n{exc}"
        raise ConfigurationError(why) from None


# --- the report -------------------------------------------------------------------------------


def parse_since(raw: str, where: str) -> datetime:
    """`2026-11-27` (midnight UTC) or an ISO 8601 time (UTC when no offset is given)."""
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigurationError(
            f"{where}: {raw[:40]!r} is not a date; write YYYY-MM-DD or e.g. 2026-11-27T08:00:00Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record_json(record: ShadowRecord) -> dict[str, Any]:
    """One disagreement as the API and `--json` give it."""
    return {
        "decision_id": record.decision_id,
        "store": record.shop,
        "order_id": record.order_id,
        "order_name": record.order_name,
        "live": {"ruleset": record.live_ruleset_version, "outcome": record.live_outcome},
        "shadow": {"ruleset": record.shadow_ruleset_version, "outcome": record.shadow_outcome},
        "decided_at": record.created_at.astimezone(UTC).isoformat(),
        "fulfillment_orders": [change.as_json() for change in record.changes],
    }


def describe(placement: Placement | None) -> str:
    """`move → gid://…/Location/101 (us-ship-complete)`, `hold INVENTORY_OUT_OF_STOCK`, …"""
    if placement is None:
        return "not decided"
    text = placement.action
    if placement.parts:
        text += " " + ", ".join(f"{a} {loc or '-'} ×{n}" for a, loc, n in placement.parts)
    elif placement.target is not None:
        text += f" → {placement.target}"
    if placement.hold_reason:
        text += f" {placement.hold_reason}"
    if placement.strategy:
        text += f" ({placement.strategy})"
    return text


def render_change(change: Change, *, before: str, after: str) -> list[str]:
    """A change in plain lines: from what to what, and the first trace lines that differ."""
    lines = [
        f"  {change.fulfillment_order_id}",
        f"    {before}: {describe(change.before)}",
        f"    {after}: {describe(change.after)}",
    ]
    if change.before_line or change.after_line:
        lines.append(f"    why: {before} trace `{change.before_line or '(ends)'}`")
        lines.append(f"         {after} trace `{change.after_line or '(ends)'}`")
    return lines


def report(settings: Settings, *, since: datetime | None, as_json: bool, out: TextIO) -> int:
    """`routing-engine shadow report`: the disagreements in the database of ROUTING_DATABASE_URL."""
    records, total = asyncio.run(_read(settings.database_url, since))
    if as_json:
        body = {"disagreements": [record_json(r) for r in records], "shadow_decisions": total}
        print(json.dumps(body, indent=2), file=out)
        return 0
    print(f"{len(records)} of {total} shadow decision(s) disagree with the live one", file=out)
    for record in records:
        print("", file=out)
        print(
            f"{record.order_name or record.order_id} on {record.shop}, decision {record.decision_id}: "
            f"live {record.live_ruleset_version} {record.live_outcome}, "
            f"shadow {record.shadow_ruleset_version} {record.shadow_outcome}",
            file=out,
        )
        for change in record.changes:
            print("\n".join(render_change(change, before="live", after="shadow")), file=out)
    return 0


async def _read(database_url: str, since: datetime | None) -> tuple[list[ShadowRecord], int]:
    engine = create_engine(database_url)
    try:
        await migrate(engine)  # a database older than shadow mode simply has no disagreements
        book = ShadowDecisions(session_factory(engine))
        return await book.disagreements(since=since, limit=100_000), await book.count(since=since)
    finally:
        await engine.dispose()
