"""`routing-engine replay`: stored decisions re-decided offline with another rule set, and the diff.

Decisions are recorded through the real DecisionLog on a real SQLite file, exactly as the
service records them (snapshot, fingerprint, rule-set version); nothing talks to Shopify.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.cli import main
from adapters.replay import Progress, replay
from adapters.rule_files import load_ruleset
from adapters.simulate import read_snapshot_file
from adapters.store import DecisionLog, create_engine, migrate, session_factory
from engine import RuleSet, decide, decision_fingerprint

PROJECT = Path(__file__).resolve().parents[2]
SNAPSHOTS = PROJECT / "fixtures" / "snapshots"
# Orders of the US store decided by the demo rules: one moves to Newark DC, one to Chicago DC
# (Newark is short), one is held (no location ships it complete), one is already in place.
STORED = [
    "us-order-moves-to-newark.json",
    "us-order-moves-to-chicago.json",
    "us-order-out-of-stock.json",
    "us-order-already-in-place.json",
    "two-fulfillment-orders-ship-together.json",
]
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def chicago_first_rules(directory: Path) -> Path:
    """The demo rules with Chicago DC tried before Newark DC by the US strategy."""
    text = (PROJECT / "rules" / "routing.yaml").read_text()
    newark_first = "locations: [Newark DC, Chicago DC, Dallas DC, Reno DC, Brooklyn Store]"
    assert newark_first in text
    directory.mkdir()
    chicago_first = "locations: [Chicago DC, Newark DC, Dallas DC, Reno DC, Brooklyn Store]"
    changed = text.replace(newark_first, chicago_first)
    (directory / "routing.yaml").write_text(changed)
    return directory


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    """A migrated SQLite file holding the live rules' decisions of STORED."""
    url = f"sqlite+aiosqlite:///{tmp_path}/routing.db"
    engine = create_engine(url)
    await migrate(engine)
    sessions = session_factory(engine)
    log = DecisionLog(sessions)
    live = load_ruleset(PROJECT / "rules")
    for name in STORED:
        snapshot = read_snapshot_file(SNAPSHOTS / name)
        recorded = await log.record(
            decide(snapshot, live),
            snapshot,
            fingerprint=decision_fingerprint(snapshot, live),
            delivery_id=None,
        )
        assert recorded is not None
    yield url, sessions
    await engine.dispose()


@pytest.fixture
def live_rules() -> RuleSet:
    return load_ruleset(PROJECT / "rules")


async def test_the_same_rule_set_gives_an_empty_diff(
    database: tuple[str, async_sessionmaker[AsyncSession]], live_rules: RuleSet
) -> None:
    result = await replay(database[1], live_rules, since=SINCE)
    assert result.replayed == len(STORED)
    assert result.changed == []
    assert result.before == result.after
    assert result.stored_versions == {live_rules.version}


async def test_changed_rules_name_the_orders_that_change_from_what_to_what_and_the_strategy(
    database: tuple[str, async_sessionmaker[AsyncSession]], tmp_path: Path
) -> None:
    chicago_first = load_ruleset(chicago_first_rules(tmp_path / "chicago-first"))
    result = await replay(database[1], chicago_first, since=SINCE)
    assert result.replayed == len(STORED)
    # Only #1002 changes: Chicago has its units; the others were at Chicago, held or stay put.
    assert [item.case.decision.order_name for item in result.changed] == ["#1002"]
    (change,) = result.changed[0].changes
    assert change.fulfillment_order_id == "gid://shopify/FulfillmentOrder/7002"
    assert change.before is not None and change.after is not None
    names = {loc.id: loc.name for loc in result.changed[0].case.snapshot.locations}
    assert (change.before.action, names[change.before.target or ""]) == ("move", "Newark DC")
    assert (change.after.action, names[change.after.target or ""]) == ("move", "Chicago DC")
    assert change.after.strategy == "us-ship-complete"
    assert change.before_line == "[candidate] Newark DC ships complete: FO 7002"
    assert change.after_line == "[candidate] Chicago DC ships complete: FO 7002"
    assert result.after.moves == result.before.moves  # a move became another move


async def test_a_window_after_every_decision_replays_nothing(
    database: tuple[str, async_sessionmaker[AsyncSession]], live_rules: RuleSet
) -> None:
    result = await replay(database[1], live_rules, since=datetime(2999, 1, 1, tzinfo=UTC))
    assert (result.replayed, result.changed) == (0, [])


def test_the_command_writes_markdown_and_html_reports(
    database: tuple[str, async_sessionmaker[AsyncSession]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ROUTING_DATABASE_URL", database[0])
    rules = chicago_first_rules(tmp_path / "chicago-first")
    out = tmp_path / "reports" / "chicago-first"
    code = main(["replay", "--since", "2026-01-01", "--rules", str(rules), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr()
    assert f"replayed {len(STORED)} decision(s)" in printed.out and "1 change" in printed.out
    assert f"replayed {len(STORED)}/{len(STORED)} decisions" in printed.err  # plain progress, not a tty
    markdown = (tmp_path / "reports" / "chicago-first.md").read_text()
    assert "### #1002 (north-wind-us.myshopify.com)" in markdown
    assert "move Brooklyn Store → Newark DC by us-ship-complete" in markdown
    assert "move Brooklyn Store → Chicago DC by us-ship-complete" in markdown
    assert "| moves |" in markdown and "| distance shipped |" in markdown
    page = (tmp_path / "reports" / "chicago-first.html").read_text()
    assert page.startswith("<!doctype html>") and "#1002" in page and "Chicago DC" in page


def test_the_same_rules_on_the_command_write_a_report_saying_nothing_changes(
    database: tuple[str, async_sessionmaker[AsyncSession]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ROUTING_DATABASE_URL", database[0])
    out = tmp_path / "same"
    rules = str(PROJECT / "rules")
    assert main(["replay", "--since", "2026-01-01", "--rules", rules, "--out", str(out)]) == 0
    assert "0 change" in capsys.readouterr().out
    assert "no order is decided differently" in (tmp_path / "same.md").read_text()


def test_a_date_that_is_no_date_is_refused_naming_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ROUTING_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    code = main(["replay", "--since", "last tuesday", "--rules", str(PROJECT / "rules")])
    assert code == 2
    assert "--since: 'last tuesday' is not a date" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_is_one_bar_redrawn_in_place() -> None:
    err = Terminal()
    progress = Progress(4, err)
    for done in range(5):
        progress.update(done)
    shown = err.getvalue()
    assert shown.count("\r") == 5 and shown.endswith("] 4/4\n")
    assert "[" + "#" * Progress.WIDTH + "]" in shown
