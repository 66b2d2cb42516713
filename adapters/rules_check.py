"""`routing-engine rules check [DIR]`: every error in the rule files, with its place and its fix.

The rule set is parsed, compiled and exercised in a child process first (`adapters.rule_check`),
so a rule file that would hang or crash durable_rules is reported, never run here. Then the
names the rules use are resolved against the configuration: stores against the stores file,
locations against each store's locations (a `--locations` file, or read live with `--online`).

Output: one line per error, `file:line:column: <rule>: <message>`, its fix indented below it,
then a summary line. Exit codes: 0 clean, 1 errors found, 2 the check could not run as asked.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

from adapters.rule_check import CheckFailed, RuleChecker
from adapters.rule_files import accept_checked, read_rule_files
from adapters.rule_references import StoreLocations, check_references
from adapters.settings import ConfigurationError, Settings, StoreConfig, load_stores
from engine import RuleIssue, RuleSet

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class References:
    """What the names in the rules are checked against, and how to say what was not checked."""

    stores: tuple[str, ...] | None
    stores_note: str
    locations: Mapping[str, StoreLocations] | None
    locations_note: str


def check_rules(
    directory: Path,
    *,
    settings: Settings,
    stores_file: Path | None,
    locations_file: Path | None,
    online: bool,
    out: TextIO,
) -> int:
    """Run the whole check and print its report; returns the exit code."""
    files = read_rule_files(directory)  # RuleFilesMissing: a usage error, exit 2 via the CLI
    checker = RuleChecker(timeout_seconds=settings.rules_check_timeout_seconds)
    result = checker.check(files)
    if isinstance(result, CheckFailed):
        print_issues(result.issues, out)
        print(f"{directory}: {result.reason}", file=out)
        return EXIT_ERRORS
    ruleset = accept_checked(files, result)
    references = gather_references(settings, stores_file, locations_file, online=online)
    issues = check_references(ruleset, files, stores=references.stores, locations=references.locations)
    notes = f"{references.stores_note}; {references.locations_note}"
    print_issues(issues, out)
    if issues:
        print(f"{directory}: {_count(len(issues), 'error')} ({notes})", file=out)
        return EXIT_ERRORS
    print(f"{directory}: OK: {summarize(ruleset)}; {notes}", file=out)
    return EXIT_OK


def summarize(ruleset: RuleSet) -> str:
    """Strategies and location groups always; hold rules and location settings when there are any."""
    counts = [
        _count(len(ruleset.strategies), "strategy", "strategies"),
        _count(len(ruleset.location_groups), "location group"),
    ]
    if ruleset.holds:
        counts.insert(0, _count(len(ruleset.holds), "hold rule"))
    if ruleset.location_settings:
        counts.append(_count(len(ruleset.location_settings), "location setting"))
    return f"{', '.join(counts)}, fallback {ruleset.fallback.kind}, version {ruleset.version}"


def print_issues(issues: tuple[RuleIssue, ...] | list[RuleIssue], out: TextIO) -> None:
    for issue in issues:
        print(f"{issue.mark}: {issue.subject}: {issue.message}", file=out)
        if issue.hint:
            print(f"    {issue.hint}", file=out)


def gather_references(
    settings: Settings, stores_file: Path | None, locations_file: Path | None, *, online: bool
) -> References:
    stores_path = stores_file or settings.stores_file
    configured = load_stores(stores_path) if stores_path is not None else None
    if configured is None:
        stores, stores_note = None, "stores not checked: no stores file"
    else:
        stores = tuple(store.domain for store in configured)
        stores_note = f"stores checked against {stores_path}"
    if online:
        if configured is None:
            raise ConfigurationError("--online: needs a stores file (ROUTING_STORES_FILE or --stores)")
        locations = asyncio.run(read_live_locations(configured, settings))
        return References(stores, stores_note, locations, "locations checked against the Admin API")
    if locations_file is not None:
        note = f"locations checked against {locations_file}"
        return References(stores, stores_note, read_locations_file(locations_file), note)
    return References(stores, stores_note, None, "locations not checked: give --locations FILE or --online")


def read_locations_file(path: Path) -> dict[str, StoreLocations]:
    """`{"shop.myshopify.com": ["Newark DC", …]}`: names (or GIDs) per store."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"--locations: {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"--locations: {path} is not JSON: {exc}") from None
    shape = 'write {"shop.myshopify.com": ["Location name", …]}'
    if not isinstance(raw, dict):
        raise ConfigurationError(f"--locations: {path} must hold a JSON object; {shape}")
    locations: dict[str, StoreLocations] = {}
    for shop, names in raw.items():
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise ConfigurationError(f"--locations: {path}: {shop} must list location names; {shape}")
        locations[shop.lower()] = StoreLocations(names=frozenset(names))
    return locations


async def read_live_locations(
    stores: tuple[StoreConfig, ...], settings: Settings
) -> dict[str, StoreLocations]:
    from adapters.shopify import ShopifyClient, ShopifyError, read_locations

    timeout = httpx.Timeout(settings.shopify_timeout_seconds, connect=5.0)
    locations: dict[str, StoreLocations] = {}
    async with httpx.AsyncClient(timeout=timeout) as http:
        for store in stores:
            client = ShopifyClient(
                http,
                shop_domain=store.domain,
                admin_api_url=store.graphql_url(settings.api_version),
                access_token=store.access_token,
            )
            try:
                found = await read_locations(client)
            except (ShopifyError, httpx.HTTPError) as exc:
                raise ConfigurationError(
                    f"--online: could not read the locations of {store.domain}: {exc}"
                ) from None
            locations[store.domain] = StoreLocations(
                names=frozenset(location.name for location in found),
                ids=frozenset(location.id for location in found),
            )
    return locations


def _count(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"
