"""What `routing-engine shopify subscribe` and `doctor` run, store by store, and what they print."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TextIO

import httpx

from adapters.settings import Settings, StoreConfig
from adapters.shopify import ShopifyClient, ShopifyError
from adapters.shopify_setup.doctor import StoreReport, examine, render
from adapters.shopify_setup.subscriptions import SubscribeReport, subscribe

EXIT_OK, EXIT_FAILED = 0, 1


async def run_subscribe(settings: Settings, stores: tuple[StoreConfig, ...], *, url: str, out: TextIO) -> int:
    """Subscribe `url` in each store and print what was there, made or refused; 1 if anything failed."""
    failed = False
    for store in stores:
        async with _client(settings, store) as (client, _):
            try:
                report = await subscribe(client, url)
            except ShopifyError as exc:
                print(f"{store.domain}: could not subscribe: {exc}", file=out)
                failed = True
                continue
        print(_subscribe_lines(report), file=out)
        failed = failed or not report.ok
    if failed:
        print("some subscriptions could not be made (above); fix what Shopify says and run again", file=out)
    else:
        print("run `routing-engine shopify doctor` to check each store", file=out)
    return EXIT_FAILED if failed else EXIT_OK


def _subscribe_lines(report: SubscribeReport) -> str:
    lines = [
        f"{report.store}: {len(report.created)} created, {len(report.present)} already there, "
        f"{len(report.failed)} failed → {report.uri}"
    ]
    lines += [f"  created  {topic}" for topic in report.created]
    lines += [f"  FAILED   {topic}: {why}" for topic, why in report.failed]
    return "\n".join(lines)


async def run_doctor(
    settings: Settings,
    stores: tuple[StoreConfig, ...],
    *,
    url: str | None,
    app_subscriptions: bool,
    out: TextIO,
    today: datetime | None = None,
) -> int:
    """Examine every store and print the report; 0 when no store has a problem, else 1."""
    day = (today or datetime.now(UTC)).date()
    reports: list[StoreReport] = []
    for store in stores:
        async with _client(settings, store) as (client, answered):
            reports.append(
                await examine(
                    client,
                    store,
                    api_version=store.api_version or settings.api_version,
                    webhook_uri=url,
                    app_subscriptions=app_subscriptions,
                    today=day,
                    answered_version=answered,
                )
            )
    out.write(render(reports))
    return EXIT_FAILED if any(report.problems for report in reports) else EXIT_OK


@asynccontextmanager
async def _client(
    settings: Settings, store: StoreConfig
) -> AsyncIterator[tuple[ShopifyClient, Callable[[], str | None]]]:
    """A client of one store, and what API version Shopify last said it answered with."""
    seen: dict[str, str] = {}

    async def remember_version(response: httpx.Response) -> None:
        if version := response.headers.get("x-shopify-api-version"):
            seen["version"] = version

    timeout = httpx.Timeout(settings.shopify_timeout_seconds, connect=5.0)
    async with httpx.AsyncClient(timeout=timeout, event_hooks={"response": [remember_version]}) as http:
        client = ShopifyClient(
            http,
            shop_domain=store.domain,
            admin_api_url=store.graphql_url(settings.api_version),
            access_token=store.access_token,
        )
        yield client, lambda: seen.get("version")
