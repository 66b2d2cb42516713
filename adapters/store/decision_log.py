"""The decision log and its outbox: every decision with its input, and the writes it asked for.

A decision and all of its intents are recorded in one transaction, with the locations it sends
the order to (`location_load`). Each intent carries a
deterministic idempotency key (`<decision id>:<position>`) and moves through
pending → in_flight → applied | already_done | superseded | failed; an intent found `in_flight`
after a crash is re-checked against Shopify before anything is written again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, utc_now
from adapters.store.location_load import LocationLoad, add_placements
from adapters.store.tables import DecisionRow, IntentRow
from engine.decision import Decision
from engine.intents import Intent
from engine.model import Snapshot

_INTENT = TypeAdapter[Intent](Intent)
FINAL_INTENT_STATES = frozenset({"applied", "already_done", "superseded", "failed"})


@dataclass(frozen=True, slots=True)
class StoredIntent:
    id: int
    position: int
    idempotency_key: str
    intent: Intent
    state: str
    attempts: int
    result: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class StoredDecision:
    id: str
    shop: str
    order_id: str
    state: str
    outcome: str
    created_at: datetime
    decision: Decision


class DecisionLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock
        # What `record` counts per location and day, for the snapshots of the next decisions.
        self.load = LocationLoad(sessions, clock=clock)

    async def record(
        self,
        decision: Decision,
        snapshot: Snapshot,
        *,
        fingerprint: str,
        delivery_id: int | None,
        session: AsyncSession | None = None,
    ) -> str | None:
        """Record a decision and its outbox; None when this order state was already decided.

        With `session`, the rows join the caller's transaction (which commits them with its own,
        e.g. the decision's reservations); a conflict then rolls back only this decision's rows.
        """
        decision_id = str(uuid.uuid4())
        now = self._now()
        state = "executing" if decision.intents else "completed"
        row = DecisionRow(
            id=decision_id,
            shop=decision.store,
            order_id=decision.order_id,
            order_name=decision.order_name,
            fingerprint=fingerprint,
            ruleset_version=decision.ruleset_version,
            outcome=decision.outcome,
            state=state,
            delivery_id=delivery_id,
            created_at=now,
            completed_at=None if decision.intents else now,
            snapshot=snapshot.model_dump_json(),
            decision=decision.model_dump_json(),
        )
        try:
            if session is None:
                async with self._sessions.begin() as own:
                    await _add_decision(own, row, decision, snapshot, now)
            else:
                async with session.begin_nested():
                    await _add_decision(session, row, decision, snapshot, now)
        except IntegrityError:
            return None
        return decision_id

    async def find(
        self, shop: str, order_id: str, fingerprint: str, *, session: AsyncSession | None = None
    ) -> StoredDecision | None:
        """The decision of this order state, if any; read in the caller's `session` when given."""
        query = select(DecisionRow).where(
            DecisionRow.shop == shop, DecisionRow.order_id == order_id, DecisionRow.fingerprint == fingerprint
        )
        if session is not None:
            row = await session.scalar(query)
            return None if row is None else _stored(row)
        async with self._sessions() as own:
            row = await own.scalar(query)
            return None if row is None else _stored(row)

    async def for_delivery(self, delivery_id: int) -> StoredDecision | None:
        async with self._sessions() as session:
            row = await session.scalar(select(DecisionRow).where(DecisionRow.delivery_id == delivery_id))
            return None if row is None else _stored(row)

    async def unfinished(self, shop: str, order_id: str) -> list[StoredDecision]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DecisionRow)
                .where(DecisionRow.shop == shop, DecisionRow.order_id == order_id)
                .where(DecisionRow.state == "executing")
                .order_by(DecisionRow.created_at)
            )
            return [_stored(row) for row in rows]

    def now(self) -> datetime:
        return self._now()

    async def changed_since(self, shop: str, order_id: str, since: datetime) -> bool:
        """Whether a decision for the order was made, or finished writing, at or after `since`
        (or is writing still): a snapshot read before then may not show its writes."""
        async with self._sessions() as session:
            found = await session.scalar(
                select(DecisionRow.id)
                .where(DecisionRow.shop == shop, DecisionRow.order_id == order_id)
                .where(
                    (DecisionRow.created_at >= since)
                    | (DecisionRow.completed_at >= since)
                    | (DecisionRow.state == "executing")
                )
                .limit(1)
            )
            return found is not None

    async def get(self, decision_id: str) -> StoredDecision | None:
        async with self._sessions() as session:
            row = await session.get(DecisionRow, decision_id)
            return None if row is None else _stored(row)

    async def for_order(self, shop: str, order_id: str) -> list[StoredDecision]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(DecisionRow)
                .where(DecisionRow.shop == shop, DecisionRow.order_id == order_id)
                .order_by(DecisionRow.created_at)
            )
            return [_stored(row) for row in rows]

    async def fulfillment_orders_seen(self, shop: str, order_id: str) -> frozenset[str]:
        """Every fulfillment order of the order that a decision of ours covered or created.

        A decision covers the fulfillment orders of its snapshot; its writes may create more (a
        partial move, a split, a partial hold), whose ids the settled intents keep in `new_ids`
        and `created_ids`.
        """
        async with self._sessions() as session:
            decisions = (
                await session.execute(
                    select(DecisionRow.id, DecisionRow.decision).where(
                        DecisionRow.shop == shop, DecisionRow.order_id == order_id
                    )
                )
            ).all()
            intents = (
                await session.execute(
                    select(IntentRow.fulfillment_order_id, IntentRow.result).where(
                        IntentRow.decision_id.in_([row.id for row in decisions])
                    )
                )
            ).all()
        seen = {
            outcome.fulfillment_order_id
            for row in decisions
            for outcome in Decision.model_validate_json(row.decision).fulfillment_orders
        }
        for fulfillment_order_id, result in intents:
            if fulfillment_order_id:
                seen.add(fulfillment_order_id)
            if result:
                settled = json.loads(result)
                seen.update((settled.get("new_ids") or {}).values())
                seen.update(settled.get("created_ids") or ())
        return frozenset(seen)

    async def snapshot_of(self, decision_id: str) -> Snapshot:
        async with self._sessions() as session:
            row = await session.get(DecisionRow, decision_id)
            assert row is not None, decision_id
            return Snapshot.model_validate_json(row.snapshot)

    async def intents(self, decision_id: str) -> list[StoredIntent]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(IntentRow).where(IntentRow.decision_id == decision_id).order_by(IntentRow.position)
            )
            return [_stored_intent(row) for row in rows]

    async def mark_in_flight(self, intent_id: int) -> None:
        await self.advance(in_flight=[intent_id])

    async def settle(self, intent_id: int, state: str, result: dict[str, Any]) -> None:
        await self.advance(settled=[(intent_id, state, result)])

    async def complete(self, decision_id: str, state: str) -> None:
        await self.advance(completed=(decision_id, state))

    async def advance(
        self,
        *,
        settled: Sequence[tuple[int, str, dict[str, Any]]] = (),
        in_flight: Sequence[int] = (),
        completed: tuple[str, str] | None = None,
    ) -> None:
        """In one transaction: settle the intents just written, mark the next ones in flight (before
        their call), and complete the decision (its final state).

        Only an intent not yet final is marked in flight: a settled intent is never reopened.
        """
        if not settled and not in_flight and completed is None:
            return
        now = self._now()
        async with self._sessions.begin() as session:
            for intent_id, state, result in settled:
                await session.execute(
                    update(IntentRow)
                    .where(IntentRow.id == intent_id)
                    .values(state=state, result=json.dumps(result, sort_keys=True), updated_at=now)
                )
            if in_flight:
                await session.execute(
                    update(IntentRow)
                    .where(IntentRow.id.in_(in_flight), IntentRow.state.not_in(sorted(FINAL_INTENT_STATES)))
                    .values(state="in_flight", attempts=IntentRow.attempts + 1, updated_at=now)
                )
            if completed is not None:
                decision_id, final = completed
                await session.execute(
                    update(DecisionRow)
                    .where(DecisionRow.id == decision_id)
                    .values(state=final, completed_at=now)
                )

    async def applied_on(
        self, fulfillment_order_ids: list[str], kinds: tuple[str, ...]
    ) -> list[StoredIntent]:
        """Our settled or in-flight writes touching these fulfillment orders (to recognise echoes)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(IntentRow).where(
                    IntentRow.fulfillment_order_id.in_(fulfillment_order_ids),
                    IntentRow.kind.in_(kinds),
                    IntentRow.state.in_(("in_flight", "applied", "already_done")),
                )
            )
            return [_stored_intent(row) for row in rows]


async def _add_decision(
    session: AsyncSession, row: DecisionRow, decision: Decision, snapshot: Snapshot, now: datetime
) -> None:
    """The decision's row, its outbox and its placements, added to `session`'s transaction."""
    session.add(row)
    await session.flush()
    for position, intent in enumerate(decision.intents):
        session.add(
            IntentRow(
                decision_id=row.id,
                position=position,
                idempotency_key=f"{row.id}:{position}",
                kind=intent.kind,
                fulfillment_order_id=getattr(intent, "fulfillment_order_id", None),
                payload=intent.model_dump_json(),
                state="pending",
                attempts=0,
                updated_at=now,
            )
        )
    await add_placements(session, row.id, decision, snapshot, now)
    await session.flush()


def _stored(row: DecisionRow) -> StoredDecision:
    return StoredDecision(
        id=row.id,
        shop=row.shop,
        order_id=row.order_id,
        state=row.state,
        outcome=row.outcome,
        created_at=row.created_at,
        decision=Decision.model_validate_json(row.decision),
    )


def _stored_intent(row: IntentRow) -> StoredIntent:
    return StoredIntent(
        id=row.id,
        position=row.position,
        idempotency_key=row.idempotency_key,
        intent=_INTENT.validate_json(row.payload),
        state=row.state,
        attempts=row.attempts,
        result=None if row.result is None else json.loads(row.result),
    )
