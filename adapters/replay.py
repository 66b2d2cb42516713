"""`routing-engine replay`: re-decide stored decisions with another rule set, offline, and diff them.

Every decision is stored with the snapshot it decided on (after the location load, vendor
stock and reservations were added) and its rule-set version, and `decide()` is pure, so the
stored snapshot decided again with the same rules gives the same decision: the diff is empty.
With other rules, the diff says which orders change, from what to what, which strategy or rule
caused it (the first trace lines that differ), and totals (splits, holds, moves, distance
shipped where locations and destinations have coordinates). Nothing is read from or written to
Shopify, and nothing is written to the database.

The report is written twice, as Markdown and as HTML (`adapters.diff_report`). Long runs show a
progress bar on a terminal (stderr), plain progress lines otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.decision_diff import Change, compare
from adapters.diff_report import write_reports
from adapters.rule_check import RuleChecker
from adapters.rule_files import load_checked_ruleset
from adapters.settings import ConfigurationError, Settings
from adapters.shadow import parse_since
from adapters.store import create_engine, migrate, session_factory
from adapters.store.tables import DecisionRow
from engine import Decision, RuleSet, Snapshot, decide
from engine.candidates import haversine_km

EXIT_OK = 0
PAGE = 500


@dataclass(frozen=True, slots=True)
class StoredCase:
    """One stored decision with the snapshot it decided on."""

    decision_id: str
    created_at: datetime
    snapshot: Snapshot
    decision: Decision


@dataclass(frozen=True, slots=True)
class Totals:
    """What a set of decisions does, added up."""

    moves: int = 0
    splits: int = 0
    holds: int = 0
    keeps: int = 0
    distance_km: float = 0.0
    measured: int = 0  # shipments whose distance is known (location and destination have coordinates)
    shipments: int = 0

    def plus(self, decision: Decision, snapshot: Snapshot) -> Totals:
        actions = [fo.action for fo in decision.fulfillment_orders]
        distance, measured, shipments = shipped_distance(decision, snapshot)
        return Totals(
            self.moves + actions.count("move"),
            self.splits + actions.count("split"),
            self.holds + actions.count("hold"),
            self.keeps + actions.count("keep"),
            self.distance_km + distance,
            self.measured + measured,
            self.shipments + shipments,
        )


@dataclass(frozen=True, slots=True)
class ReplayedDecision:
    """A stored decision that the other rules decide differently."""

    case: StoredCase
    after: Decision
    changes: tuple[Change, ...]


@dataclass
class ReplayResult:
    """The whole replay: what changed, and the totals before and after."""

    rules_version: str
    since: datetime
    until: datetime | None
    store: str | None
    replayed: int = 0
    stored_versions: set[str] = field(default_factory=set)
    changed: list[ReplayedDecision] = field(default_factory=list)
    before: Totals = field(default_factory=Totals)
    after: Totals = field(default_factory=Totals)

    def add(self, case: StoredCase, after: Decision) -> None:
        """Count one re-decided case (and keep it if it changed)."""
        self.replayed += 1
        self.stored_versions.add(case.decision.ruleset_version)
        self.before = self.before.plus(case.decision, case.snapshot)
        self.after = self.after.plus(after, case.snapshot)
        changes = compare(case.decision, after)
        if changes:
            self.changed.append(ReplayedDecision(case, after, changes))


def shipped_distance(decision: Decision, snapshot: Snapshot) -> tuple[float, int, int]:
    """(km, shipments measured, shipments): each place a fulfillment order (or a split's part)
    ships from, to its destination, where both have coordinates."""
    locations = {location.id: location for location in snapshot.locations}
    destinations = {fo.id: fo.destination for fo in snapshot.fulfillment_orders}
    total, measured, shipments = 0.0, 0, 0
    for fo in decision.fulfillment_orders:
        if fo.action in ("move", "keep"):
            sources = [fo.to_location_id or fo.from_location_id]
        elif fo.action == "split":
            sources = [part.location_id for part in fo.parts if part.action != "hold"]
        else:
            continue
        destination = destinations.get(fo.fulfillment_order_id)
        for source in sources:
            shipments += 1
            location = locations.get(source or "")
            if location is None or destination is None:
                continue
            here, there = location.address, destination
            if None in (here.latitude, here.longitude, there.latitude, there.longitude):
                continue
            assert here.latitude is not None and here.longitude is not None
            assert there.latitude is not None and there.longitude is not None
            total += haversine_km(here.latitude, here.longitude, there.latitude, there.longitude)
            measured += 1
    return total, measured, shipments


class Progress:
    """A progress bar on a terminal; on a pipe or file, a plain line every tenth of the way."""

    WIDTH = 30

    def __init__(self, total: int, err: TextIO) -> None:
        self.total = total
        self._err = err
        self._tty = err.isatty()
        self._shown = -1

    def update(self, done: int) -> None:
        if self.total == 0:
            return
        if self._tty:
            filled = self.WIDTH * done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if done == self.total else ""
            self._err.write(f"\rreplaying [{bar}] {done}/{self.total}{end}")
            self._err.flush()
            return
        tenth = 10 * done // self.total
        if tenth != self._shown:
            self._shown = tenth
            print(f"replayed {done}/{self.total} decisions", file=self._err)


async def count_stored(
    sessions: async_sessionmaker[AsyncSession], since: datetime, until: datetime | None, store: str | None
) -> int:
    """How many stored decisions the window holds."""
    query = select(func.count()).select_from(DecisionRow).where(*_window(since, until, store))
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


async def stored_cases(
    sessions: async_sessionmaker[AsyncSession], since: datetime, until: datetime | None, store: str | None
) -> AsyncIterator[StoredCase]:
    """The stored decisions of the window (oldest first), a page at a time."""
    offset = 0
    while True:
        query = (
            select(DecisionRow)
            .where(*_window(since, until, store))
            .order_by(DecisionRow.created_at, DecisionRow.id)
            .offset(offset)
            .limit(PAGE)
        )
        async with sessions() as session:
            rows = list(await session.scalars(query))
        for row in rows:
            yield StoredCase(
                row.id,
                row.created_at,
                Snapshot.model_validate_json(row.snapshot),
                Decision.model_validate_json(row.decision),
            )
        if len(rows) < PAGE:
            return
        offset += PAGE


def _window(since: datetime, until: datetime | None, store: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [DecisionRow.created_at >= since]
    if until is not None:
        conditions.append(DecisionRow.created_at < until)
    if store is not None:
        conditions.append(DecisionRow.shop == store)
    return conditions


async def replay(
    sessions: async_sessionmaker[AsyncSession],
    ruleset: RuleSet,
    *,
    since: datetime,
    until: datetime | None = None,
    store: str | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
    decide: Callable[[Snapshot, RuleSet], Decision] = decide,
) -> ReplayResult:
    """Re-decide every stored decision of the window with `ruleset`; `progress(done, total)` as it goes."""
    total = await count_stored(sessions, since, until, store)
    result = ReplayResult(ruleset.version, since, until, store)
    progress(0, total)
    async for case in stored_cases(sessions, since, until, store):
        result.add(case, decide(case.snapshot, ruleset))
        progress(result.replayed, total)
    return result


def parse_until(raw: str) -> datetime:
    """`--until 2026-11-27` includes that whole day (UTC); a time is taken as it is."""
    moment = parse_since(raw, "--until")
    return moment + timedelta(days=1) if len(raw) == 10 else moment


def run_replay(
    settings: Settings,
    *,
    since: str,
    until: str | None,
    store: str | None,
    rules_dir: Path,
    out: Path,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """The `replay` command: check the rules, re-decide the window, write `<out>.md` and `<out>.html`."""
    start = parse_since(since, "--since")
    end = parse_until(until) if until is not None else None
    if end is not None and end <= start:
        raise ConfigurationError(f"--until: {until} is not after --since {since}; give a later date")
    checker = RuleChecker(timeout_seconds=settings.rules_check_timeout_seconds)
    ruleset = load_checked_ruleset(rules_dir, checker)
    bar: list[Progress] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total, stderr))
        bar[0].update(done)

    result = asyncio.run(_replay(settings.database_url, ruleset, start, end, store, progress))
    markdown, html = write_reports(result, out)
    print(
        f"replayed {result.replayed} decision(s) with rule set {result.rules_version}: "
        f"{len(result.changed)} change; wrote {markdown} and {html}",
        file=stdout,
    )
    return EXIT_OK


async def _replay(
    url: str,
    ruleset: RuleSet,
    since: datetime,
    until: datetime | None,
    store: str | None,
    progress: Callable[[int, int], None],
) -> ReplayResult:
    engine = create_engine(url)
    try:
        await migrate(engine)
        return await replay(
            session_factory(engine), ruleset, since=since, until=until, store=store, progress=progress
        )
    finally:
        await engine.dispose()
