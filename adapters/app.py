"""The composition root: `create_app(settings)` wires the service together in its lifespan.

Routes:
- `POST /webhooks/shopify`: signed Shopify webhooks (see `adapters.intake`);
- `GET /healthz`: the process is alive;
- `GET /readyz`: the database answers and a rule set is loaded (and which one, and the last
  rejected change);
- `POST /admin/rules/reload`: check and serve the rule files now (see `adapters.admin`);
- `POST /edi/inbound/{vendor_id}`: drop-ship vendors' X12 documents (see `adapters.vendors`),
  when a vendors file is configured.

Rules change without a restart: a lifespan task polls the rule files every
`ROUTING_RULES_POLL_SECONDS` and reloads them through `adapters.rule_reload`, which checks a new
rule set in a child process before it replaces the old one. The start-up load is checked the
same way, so a rule file that would hang durable_rules cannot hang the service at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.admin import reload_rules
from adapters.api import ApiContext, api_routes, load_tokens
from adapters.api.cached_inventory import CachedInventory
from adapters.api.live_inventory import ShopifyInventory
from adapters.events import EventOutbox, EventSender
from adapters.handoffs.desk import HandOffDesk
from adapters.handoffs.follow_up import HandOffFollowUp
from adapters.intake import Intake
from adapters.inventory_keeper import InventoryKeeper
from adapters.metrics import Metrics
from adapters.privacy.webhooks import PrivacyWebhooks
from adapters.processing import OrderRouter
from adapters.reconcile import Reconciler
from adapters.rule_check import RuleChecker
from adapters.rule_reload import RuleReloader
from adapters.settings import ConfigurationError, Settings, StoreConfig, load_stores
from adapters.shadow import ShadowMode, load_shadow_rules
from adapters.shopify.client import ShopifyClient
from adapters.shopify.gateway import ShopifyGateway
from adapters.sources import OutsideSources
from adapters.state_changes import OrderWithdrawal, StateChanges, TopicFunctions, TopicHandlers
from adapters.store import DecisionLog, Inbox, OrderLocks, create_engine, migrate, session_factory
from adapters.store.handoffs import HandOffBook
from adapters.store.inventory_view import InventoryView
from adapters.store.reservations import Reservations
from adapters.store.shadow_decisions import ShadowDecisions
from adapters.store.vendor_stock import VendorStockBook
from adapters.vendors.config import VendorConfig, load_vendors
from adapters.vendors.service import VendorService, vendor_routes
from adapters.vendors.stock import VendorStock
from adapters.workers import WorkerPool
from engine import RuleSet

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What the running service holds; exposed as `app.state.runtime` for tests and the CLI."""

    settings: Settings
    stores: Mapping[str, StoreConfig]
    database: AsyncEngine
    inbox: Inbox
    log: DecisionLog
    rules: RuleReloader
    workers: WorkerPool
    clients: dict[str, ShopifyClient] = field(default_factory=dict)
    vendors: VendorService | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ruleset(self) -> RuleSet:
        """The rule set serving now; a reload replaces it between decisions."""
        return self.rules.ruleset


def create_app(
    settings: Settings,
    *,
    stores: tuple[StoreConfig, ...] | None = None,
    checker: RuleChecker | None = None,
) -> Starlette:
    """Build the ASGI app. Configuration errors surface before the server accepts traffic.

    `checker` runs the child-process rule check (default: `adapters.rule_check` with
    `ROUTING_RULES_CHECK_TIMEOUT_SECONDS`); tests replace its command to stand in a bad child.
    """
    if stores is None:
        if settings.stores_file is None:
            raise ConfigurationError("ROUTING_STORES_FILE: not set; point it at a TOML file of [[stores]]")
        stores = load_stores(settings.stores_file)
    by_domain = {store.domain: store for store in stores}
    checker = checker or RuleChecker(timeout_seconds=settings.rules_check_timeout_seconds)
    metrics = Metrics()  # this app's own registry, served at /metrics
    rules = RuleReloader.load(settings.rules_dir, checker, metrics=metrics)
    shadow_dir = settings.shadow_rules_dir
    shadow_rules = load_shadow_rules(shadow_dir, checker, metrics=metrics) if shadow_dir is not None else None
    vendors: tuple[VendorConfig, ...] = load_vendors(settings.vendors_file) if settings.vendors_file else ()
    running: list[VendorService] = []  # the vendor service while the app serves (inbound route)
    # Read before serving: a malformed tokens file stops start-up, like a malformed stores file.
    api_file = settings.api_tokens_file
    api_tokens = load_tokens(api_file, known_stores=by_domain) if api_file is not None else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database = create_engine(settings.database_url)
        await migrate(database)
        sessions = session_factory(database)
        metrics.read_from(sessions)
        inbox, log, locks = Inbox(sessions), DecisionLog(sessions), OrderLocks(sessions)
        timeout = httpx.Timeout(settings.shopify_timeout_seconds, connect=5.0)
        async with httpx.AsyncClient(timeout=timeout) as http:
            clients = {
                domain: ShopifyClient(
                    http,
                    shop_domain=domain,
                    admin_api_url=store.graphql_url(settings.api_version),
                    access_token=store.access_token,
                    metrics=metrics,
                )
                for domain, store in by_domain.items()
            }
            gateways = {domain: ShopifyGateway(client) for domain, client in clients.items()}
            service = stock = None
            if vendors:
                stock = VendorStock(
                    VendorStockBook(sessions),
                    gateways,
                    vendors,
                    locations={domain: gateway.locations for domain, gateway in gateways.items()},
                )
                service = VendorService(
                    vendors,
                    sessions=sessions,
                    inbox=inbox,
                    stores=gateways,
                    http=http,
                    sweep_seconds=settings.edi_sweep_seconds,
                    on_inventory=lambda vendor_id, advice, reference: stock.apply_advice(
                        vendor_id, advice, reference=reference
                    ),
                )
            outbox = EventOutbox(sessions, enabled=settings.events_url is not None)
            handoff_book = HandOffBook(sessions, events=outbox)
            follow_ups = None
            handoffs = None
            if any(store.stand_ins for store in by_domain.values()):
                follow_ups = HandOffFollowUp(book=handoff_book, gateways=gateways, inbox=inbox)
                handoffs = HandOffDesk(
                    tuple(by_domain.values()),
                    book=handoff_book,
                    gateways=gateways,
                    redecide=follow_ups.redecide_failed,
                )
            withdrawals: list[OrderWithdrawal] = [h for h in (follow_ups, service) if h is not None]
            # The API's inventory view, kept fresh by inventory_levels/update and periodic re-reads.
            keeper = InventoryKeeper(
                InventoryView(sessions),
                {domain: ShopifyInventory(client) for domain, client in clients.items()},
                refresh_seconds=settings.inventory_refresh_seconds,
            )
            changes = TopicHandlers(
                [
                    StateChanges(log=log, inbox=inbox, withdrawals=withdrawals),
                    TopicFunctions(keeper.topic_handlers),
                    PrivacyWebhooks(sessions),  # Shopify's mandatory compliance topics
                    *([follow_ups] if follow_ups else []),
                ]
            )
            outside = None
            if service is not None or handoffs is not None:
                outside = OutsideSources(vendors=service.desk if service else None, handoffs=handoffs)
            router = OrderRouter(
                stores=gateways,
                vendors=outside,
                topic_handlers=changes,
                events=outbox if settings.events_url is not None else None,
                reservations=Reservations(sessions),
                ruleset=lambda: runtime.ruleset,
                inbox=inbox,
                locks=locks,
                log=log,
                lease_seconds=settings.lease_seconds,
                metrics=metrics,
                shadow=None if shadow_rules is None else ShadowMode(shadow_rules, ShadowDecisions(sessions)),
            )
            workers = WorkerPool(
                inbox=inbox,
                locks=locks,
                router=router,
                size=settings.workers,
                lease_seconds=settings.lease_seconds,
                handover_seconds=settings.shopify_timeout_seconds,
            )
            runtime = Runtime(settings, by_domain, database, inbox, log, rules, workers, clients, service)
            app.state.runtime = runtime
            app.state.intake = Intake(
                inbox,
                by_domain,
                settings.max_webhook_bytes,
                workers.notify,
                processes=router.acts_on,
                metrics=metrics,
            )
            api = None
            if api_tokens is not None:  # without a tokens file /api/v1 answers 404, like the admin routes
                inventory = {domain: CachedInventory(domain, keeper) for domain in clients}
                context = ApiContext(
                    sessions,
                    api_tokens,
                    gateways,
                    inventory,
                    notify=workers.notify,
                    stale_seconds=settings.inventory_stale_seconds,
                )
                api = api_routes(context, handoff_actions=follow_ups)
                app.router.routes.append(api)
            workers.start()
            tasks: list[asyncio.Task[None]] = []
            sender = None
            if settings.events_url is not None and settings.events_secret is not None:
                sender = EventSender(
                    sessions,
                    http,
                    url=settings.events_url,
                    secret=settings.events_secret.get_secret_value(),
                    max_backoff_seconds=settings.events_max_backoff_seconds,
                )
                tasks.append(asyncio.create_task(sender.run(), name="outbound-events"))
            if stock is not None:
                tasks.append(asyncio.create_task(stock.run(), name="vendor-stock-reconcile"))
            if api is not None and settings.inventory_refresh_seconds > 0:
                tasks.append(asyncio.create_task(keeper.run(), name="inventory-view-refresh"))
            if shadow_rules is not None and settings.rules_poll_seconds > 0:
                shadow_watch = shadow_rules.watch(settings.rules_poll_seconds)
                tasks.append(asyncio.create_task(shadow_watch, name="shadow-rule-file-watch"))
            if service is not None:
                service.notify = workers.notify
                service.start()
                running.append(service)
            watch = None
            if settings.rules_poll_seconds > 0:
                watch = asyncio.create_task(rules.watch(settings.rules_poll_seconds), name="rule-file-watch")
            reconcile = None
            if settings.reconcile_seconds > 0:
                reconciler = Reconciler(clients=clients, inbox=inbox, log=log, notify=workers.notify)
                reconcile = asyncio.create_task(
                    reconciler.run_forever(settings.reconcile_seconds), name="reconcile"
                )
            logger.info(
                "routing-engine ready: %d store(s), rule set %s, %d worker(s)",
                len(by_domain),
                rules.ruleset.version,
                settings.workers,
            )
            try:
                yield
            finally:
                if service is not None:
                    running.clear()
                    await service.stop()
                if stock is not None:
                    stock.stop()
                if sender is not None:
                    sender.stop()
                keeper.stop()
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                if reconcile is not None:
                    reconcile.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reconcile
                if watch is not None:
                    watch.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watch
                # By now uvicorn has stopped accepting connections and let the webhook requests in
                # progress finish storing (storing is durable and cheap, so intake is not cut).
                await workers.stop(settings.shutdown_grace_seconds)
                if api is not None:
                    app.router.routes.remove(api)
                await database.dispose()

    return Starlette(
        routes=[
            Route("/webhooks/shopify", _webhook, methods=["POST"]),
            Route("/healthz", _healthz, methods=["GET"]),
            Route("/readyz", _readyz, methods=["GET"]),
            metrics.route(),
            Route("/admin/rules/reload", reload_rules, methods=["POST"]),
            *(vendor_routes(vendors, lambda: running[0] if running else None) if vendors else []),
        ],
        lifespan=lifespan,
    )


async def _webhook(request: Request) -> Response:
    intake: Intake = request.app.state.intake
    return await intake.handle(request)


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "alive"})


async def _readyz(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    checks: dict[str, str] = {}
    try:
        async with runtime.database.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports every failure instead of raising
        checks["database"] = f"unreachable: {type(exc).__name__}"
    # A rejected rule change does not make the service unready: the old rules keep serving.
    checks["rules"] = runtime.rules.status()
    ready = checks["database"] == "ok" and not runtime.problems
    body = {"ready": ready, "checks": checks, "problems": runtime.problems, "rules": runtime.rules.as_json()}
    return JSONResponse(body, status_code=200 if ready else 503)
