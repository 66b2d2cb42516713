"""The `routing-engine shopify subscribe | doctor` subcommands (registered by `add_shopify_commands`);
what they run is in `runs`.

Exit codes: 0 all good; 1 a store has a problem (or a subscription could not be made); 2 usage or
configuration (no stores file, a bad `--url`, `--store` naming no configured store).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from adapters.settings import ConfigurationError, Settings, StoreConfig, load_settings, load_stores

# The CLI builds its parser on every run: the Shopify client and the checks load only when used.
WEBHOOK_PATH = "/webhooks/shopify"  # also in doctor (no import: it is heavy)


def add_shopify_commands(commands: Any) -> None:
    """Register `shopify subscribe` and `shopify doctor` on the CLI's subparsers."""
    shopify = commands.add_parser("shopify", help="set up and check the stores' Shopify app install")
    sub = shopify.add_subparsers(required=True, metavar="SHOPIFY_COMMAND")

    subscribe_cmd = sub.add_parser(
        "subscribe",
        help="create the missing webhook subscriptions of every handled topic in each store (idempotent)",
    )
    subscribe_cmd.add_argument(
        "--url",
        required=True,
        help=f"the service's webhook address, e.g. https://routing.example.com{WEBHOOK_PATH}",
    )
    subscribe_cmd.add_argument("--store", metavar="DOMAIN", help="only this store (default: every one)")
    subscribe_cmd.set_defaults(run=_subscribe, default_log_level="warning")

    doctor = sub.add_parser(
        "doctor",
        help="check each store's token, scopes, API version, locations and subscriptions; exit 1 on problems",
    )
    doctor.add_argument("--url", help="our webhook address the subscriptions must point at")
    doctor.add_argument(
        "--app-subscriptions",
        action="store_true",
        help="subscriptions are declared in shopify.app.toml (app-wide), not made by `shopify subscribe`",
    )
    doctor.add_argument("--store", metavar="DOMAIN", help="only this store (default: every one)")
    doctor.set_defaults(run=_doctor, default_log_level="warning")


def _subscribe(args: argparse.Namespace) -> int:
    from adapters.shopify_setup.runs import run_subscribe

    settings = load_settings()
    url = _checked_url(args.url)
    return asyncio.run(run_subscribe(settings, _stores(settings, args.store), url=url, out=sys.stdout))


def _doctor(args: argparse.Namespace) -> int:
    from adapters.shopify_setup.runs import run_doctor

    settings = load_settings()
    url = _checked_url(args.url) if args.url else None
    stores = _stores(settings, args.store)
    return asyncio.run(
        run_doctor(settings, stores, url=url, app_subscriptions=args.app_subscriptions, out=sys.stdout)
    )


def _stores(settings: Settings, only: str | None) -> tuple[StoreConfig, ...]:
    if settings.stores_file is None:
        raise ConfigurationError("ROUTING_STORES_FILE: not set; point it at the stores file (TOML)")
    stores = load_stores(settings.stores_file)
    if only is None:
        return stores
    chosen = tuple(store for store in stores if store.domain == only)
    if not chosen:
        known = ", ".join(store.domain for store in stores)
        raise ConfigurationError(f"--store: {only} is not in {settings.stores_file} (it has {known})")
    return chosen


def _checked_url(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise ConfigurationError(
            f"--url: {url[:80]!r} is not an http(s) address; write e.g. https://routing.example.com{WEBHOOK_PATH}"
        )
    return url
