"""`routing-engine shopify doctor`: checks each configured store and says what is wrong in plain words.

Per store, in order (a refused token stops that store's other checks, as they would all fail):
1. token: the Admin API answers with it, for the shop configured;
2. scopes: every scope the engine needs (`needs.SCOPES`) is granted;
3. API version: the one used for the store is a stable version still inside Shopify's support
   window (at least 12 months from its release), and Shopify answered with it (when it says);
4. locations: readable, and how many are active;
5. subscriptions: every topic the engine handles is subscribed to our webhook address, or the
   subscriptions are declared app-wide in `shopify.app.toml` (which this check cannot see).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from adapters.settings import StoreConfig
from adapters.shopify import (
    ShopifyAuthError,
    ShopifyClient,
    ShopifyError,
    ShopifyTransportError,
    documents,
    read_shop_locations,
)
from adapters.shopify_setup.needs import HANDLED_TOPICS, SCOPES, missing_scopes
from adapters.shopify_setup.subscriptions import read_subscriptions

WEBHOOK_PATH = "/webhooks/shopify"
SUPPORT_MONTHS = 12  # Shopify supports each stable version at least this long after its release
_STABLE = re.compile(r"^(\d{4})-(01|04|07|10)$")

Level = Literal["ok", "warning", "problem"]


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    words: str


@dataclass
class StoreReport:
    store: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, check: str, level: Level, words: str) -> None:
        self.findings.append(Finding(check, level, words))

    @property
    def problems(self) -> int:
        return sum(f.level == "problem" for f in self.findings)


def version_support(version: str, today: date) -> tuple[Level, str]:
    """Whether `version` is a stable Admin API version Shopify supports on `today`, in words."""
    if version == "unstable":
        return "problem", "`unstable` changes without notice; pin a stable version such as 2026-01"
    match = _STABLE.match(version)
    if match is None:
        return "problem", f"{version!r} is not a Shopify API version (YYYY-MM, a quarter's first month)"
    year, month = int(match.group(1)), int(match.group(2))
    released = date(year, month, 1)
    if released > today:
        return "problem", f"{version} is not released yet (it comes out on {released}); use an earlier one"
    ends = date(year + (month - 1 + SUPPORT_MONTHS) // 12, (month - 1 + SUPPORT_MONTHS) % 12 + 1, 1)
    if ends <= today:
        return (
            "problem",
            f"{version} is more than {SUPPORT_MONTHS} months old and may no longer be supported "
            "(Shopify then answers with the oldest supported one); move to a newer version",
        )
    return "ok", f"{version} is supported until at least {ends}"


async def examine(
    client: ShopifyClient,
    store: StoreConfig,
    *,
    api_version: str,
    webhook_uri: str | None,
    app_subscriptions: bool,
    today: date,
    answered_version: Callable[[], str | None] = lambda: None,
) -> StoreReport:
    """Run every check against one store; `answered_version` gives Shopify's X-Shopify-API-Version."""
    report = StoreReport(store.domain)
    try:
        data = await client.execute(documents.APP_INSTALLATION)
    except ShopifyAuthError as exc:
        report.add(
            "token",
            "problem",
            f"the access token was refused (HTTP {exc.status}); copy the store's Admin API access "
            "token into its access_token in the stores file (reinstalling the app issues a new one)",
        )
        return report
    except ShopifyTransportError as exc:
        report.add(
            "connection",
            "problem",
            f"the Admin API at {client.admin_api_url} could not be reached: {exc}; check the store's "
            "admin_api_url (or its domain) and the network",
        )
        return report
    except ShopifyError as exc:
        report.add("token", "problem", f"the Admin API did not answer usably: {exc}")
        return report
    shop = data["shop"]
    if shop["myshopifyDomain"] != store.domain:
        report.add(
            "token",
            "problem",
            f"the token opens {shop['myshopifyDomain']}, not {store.domain}; "
            "the stores file pairs this domain with another store's token",
        )
    else:
        report.add("token", "ok", f"works (shop {shop['name']!r})")
    _check_scopes(report, {s["handle"] for s in data["currentAppInstallation"]["accessScopes"]})
    _check_version(report, api_version, answered_version(), today)
    await _check_locations(report, client)
    await _check_subscriptions(report, client, webhook_uri, app_subscriptions)
    return report


def _check_scopes(report: StoreReport, granted: set[str]) -> None:
    missing = missing_scopes(granted)
    if not missing:
        report.add("scopes", "ok", f"all {len(SCOPES)} needed are granted")
        return
    needs = "; ".join(f"{scope} ({SCOPES[scope]})" for scope in missing)
    report.add(
        "scopes",
        "problem",
        f"missing {needs}. Add them to [access_scopes] in shopify.app.toml, deploy, and have the "
        "merchant approve the new scopes (or reinstall a custom app with them)",
    )


def _check_version(report: StoreReport, version: str, answered: str | None, today: date) -> None:
    level, words = version_support(version, today)
    if answered is not None and answered != version:
        level = "problem"
        words = f"asked for {version}, Shopify answered with {answered}: {version} is not served any more"
    report.add("API version", level, words)


async def _check_locations(report: StoreReport, client: ShopifyClient) -> None:
    try:
        locations = (await read_shop_locations(client)).locations
    except ShopifyError as exc:
        report.add("locations", "problem", f"cannot be read: {exc} (read_locations granted?)")
        return
    active = sum(location.is_active for location in locations)
    if not locations:
        report.add("locations", "problem", "the store has no location the engine could route to")
    else:
        report.add("locations", "ok", f"{len(locations)} readable, {active} active")


async def _check_subscriptions(
    report: StoreReport, client: ShopifyClient, uri: str | None, app_subscriptions: bool
) -> None:
    try:
        subscriptions = await read_subscriptions(client)
    except ShopifyError as exc:
        report.add("subscriptions", "problem", f"cannot be read: {exc}")
        return
    ours = [s for s in subscriptions if (s.uri == uri if uri else s.uri.endswith(WEBHOOK_PATH))]
    if app_subscriptions:
        if ours:
            report.add(
                "subscriptions",
                "warning",
                f"{len(ours)} made by API besides shopify.app.toml's: each event arrives twice "
                "(stored once); delete the API-made ones",
            )
        else:
            report.add("subscriptions", "ok", "declared in shopify.app.toml (app-wide; not visible here)")
        return
    where = uri or f"an address ending in {WEBHOOK_PATH}"
    missing = sorted(HANDLED_TOPICS - {s.topic for s in ours})
    elsewhere = sorted(f"{s.topic} → {s.uri}" for s in subscriptions if s.topic in missing)
    if not missing:
        report.add("subscriptions", "ok", f"all {len(HANDLED_TOPICS)} topics go to {where}")
        return
    fix = f"run `routing-engine shopify subscribe --url {uri or 'https://<host>' + WEBHOOK_PATH}`"
    words = f"{len(missing)} of {len(HANDLED_TOPICS)} topics are not sent to {where}: {', '.join(missing)}"
    if elsewhere:
        words += f" (sent elsewhere: {', '.join(elsewhere)})"
    report.add("subscriptions", "problem", f"{words}; {fix}, or declare them in shopify.app.toml")


def render(reports: list[StoreReport]) -> str:
    """The plain-words report: one block per store, then a summary line."""
    lines: list[str] = []
    for report in reports:
        lines.append(report.store)
        for finding in report.findings:
            mark = {"ok": "ok", "warning": "WARNING", "problem": "PROBLEM"}[finding.level]
            lines.append(f"  {mark:<8} {finding.check}: {finding.words}")
    problems = sum(report.problems for report in reports)
    stores = len(reports)
    verdict = "all good" if problems == 0 else f"{problems} problem(s) to fix"
    lines.append(f"{stores} store(s) checked: {verdict}")
    return "\n".join(lines) + "\n"
