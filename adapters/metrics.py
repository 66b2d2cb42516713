"""Prometheus metrics: one registry per app, counted where things happen, read from SQL on scrape.

`Metrics` owns its own `CollectorRegistry` (never the process-wide default), so several apps in
one process (tests, a replica and its shadow) each expose only their own series. The service's
parts get the app's `Metrics` by constructor; their default, `NO_METRICS`, records into a registry
that nothing exposes, so a part built without one (a CLI, a unit test) needs no wiring.

Counted as they happen: webhooks answered, decisions, Shopify calls with their cost points and
throttle waits, lease takeovers, rule reloads (live and shadow). Read from SQL when `/metrics` is scraped (so
every replica reports the shared database's truth, and nothing is counted twice after a restart):
the queue depth and its oldest pending delivery's age, dead letters, vendor purchase orders by
status. Series (all prefixed `routing_`) are listed in the README's "Metrics" section.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.store.clock import Clock, as_utc, utc_now
from adapters.store.edi_records import PurchaseOrderStatus
from adapters.store.tables import DeliveryRow, PurchaseOrderRow

if TYPE_CHECKING:
    from adapters.shopify.sansio import GraphQLResult
    from engine import Decision

logger = logging.getLogger(__name__)

ReloadResult = Literal["reloaded", "unchanged", "rejected"]
# The rule set reloaded: the one serving, or shadow mode's (ROUTING_SHADOW_RULES_DIR).
RuleSetName = Literal["live", "shadow"]
# Counted by the worker that takes over another worker's expired lease (it crashed or stalled):
# an order's lease (`adapters.order_lease`) or a delivery's (`adapters.store.inbox`).
Lease = Literal["order", "delivery"]
# Answers before the signature is checked carry no trustworthy topic: a header an unsigned
# request chose must not create series (anyone could grow the registry without bound).
UNVERIFIED = "unverified"
_PURCHASE_ORDER_STATUSES: tuple[str, ...] = get_args(PurchaseOrderStatus)


class Metrics:
    """The app's metrics; methods are the instrumentation points, `route()` serves them."""

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._now = clock
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        r = self.registry
        self.webhooks = Counter(
            "routing_webhooks_received",
            "Webhooks answered, by topic and outcome (stored, duplicate, 400, 401, 413)",
            ["topic", "outcome"],
            registry=r,
        )
        self.decisions = Counter(
            "routing_decisions",
            "Fulfillment order outcomes of new decisions, by strategy and action",
            ["strategy", "action"],
            registry=r,
        )
        self.shopify_calls = Counter(
            "routing_shopify_calls",
            "GraphQL Admin API requests, by store, kind (query, mutation) and result",
            ["store", "kind", "result"],
            registry=r,
        )
        self.cost_points = Counter(
            "routing_shopify_cost_points",
            "Query cost points Shopify reported in extensions.cost, by store and cost (requested, actual)",
            ["store", "cost"],
            registry=r,
        )
        self.throttle_waits = Counter(
            "routing_shopify_throttle_wait_seconds",
            "Seconds spent waiting for the cost bucket, by store and reason (throttled, pacing)",
            ["store", "reason"],
            registry=r,
        )
        self.lease_takeovers = Counter(
            "routing_lease_takeovers",
            "Expired leases of another worker taken over, by lease (order, delivery)",
            ["lease"],
            registry=r,
        )
        self.rule_reloads = Counter(
            "routing_rule_reloads",
            "Rule reloads, by rule set (live, shadow) and result",
            ["rule_set", "result"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "routing_queue_depth", "Deliveries waiting to be processed (pending)", registry=r
        )
        self.queue_age = Gauge(
            "routing_queue_oldest_pending_age_seconds",
            "Age of the oldest pending delivery (0 when none is pending)",
            registry=r,
        )
        self.dead_letters = Gauge(
            "routing_dead_letters", "Deliveries kept as failed (dead letters), now", registry=r
        )
        self.purchase_orders = Gauge(
            "routing_vendor_purchase_orders", "Vendor purchase orders by status, now", ["status"], registry=r
        )
        self.store_readable = Gauge(
            "routing_metrics_store_readable",
            "1 when the last scrape could read the database gauges, 0 when it could not",
            registry=r,
        )
        # Known label values start at 0, so a rate() or an alert sees the series before the first event.
        for rule_set in get_args(RuleSetName):
            for result in get_args(ReloadResult):
                self.rule_reloads.labels(rule_set, result)
        for lease in get_args(Lease):
            self.lease_takeovers.labels(lease)
        for status in _PURCHASE_ORDER_STATUSES:
            self.purchase_orders.labels(status)

    def read_from(self, sessions: async_sessionmaker[AsyncSession] | None) -> None:
        """Where scrapes read the queue, dead letters and purchase orders (None: stop reading)."""
        self._sessions = sessions

    def webhook_answered(self, topic: str | None, status: int, *, duplicate: bool = False) -> None:
        """Count one webhook answer; its `X-Shopify-Topic` is used only once the request was signed."""
        outcome = ("duplicate" if duplicate else "stored") if status == 200 else str(status)
        signed = status in (200, 400)  # both passed the signature check
        self.webhooks.labels((topic or "missing") if signed else UNVERIFIED, outcome).inc()

    def decision_made(self, decision: Decision) -> None:
        """Count a newly recorded decision, once per fulfillment order outcome."""
        for outcome in decision.fulfillment_orders:
            self.decisions.labels(outcome.strategy or "none", outcome.action).inc()

    def shopify_answered(self, store: str, is_mutation: bool, result: GraphQLResult) -> None:
        """Count one GraphQL response (each attempt) and the cost points it reported."""
        self.shopify_calls.labels(store, _kind(is_mutation), _result_of(result)).inc()
        cost = result.cost
        if cost is not None and cost.requested is not None:
            self.cost_points.labels(store, "requested").inc(cost.requested)
        if cost is not None and cost.actual is not None:
            self.cost_points.labels(store, "actual").inc(cost.actual)

    def shopify_unreachable(self, store: str, is_mutation: bool) -> None:
        """Count a request that got no response (connect error, timeout, dropped connection)."""
        self.shopify_calls.labels(store, _kind(is_mutation), "transport_error").inc()

    def throttle_waited(self, store: str, seconds: float, *, reason: Literal["throttled", "pacing"]) -> None:
        """Add a wait for the cost bucket to refill: after THROTTLED, or paced before sending."""
        self.throttle_waits.labels(store, reason).inc(max(0.0, seconds))

    def lease_taken_over(self, lease: Lease) -> None:
        """Count a lease taken over from another worker whose lease had expired."""
        self.lease_takeovers.labels(lease).inc()

    def rules_reloaded(self, result: ReloadResult, rule_set: RuleSetName = "live") -> None:
        """Count a reload of the live or the shadow rule set by its result."""
        self.rule_reloads.labels(rule_set, result).inc()

    async def refresh(self) -> None:
        """Read the gauges that live in SQL. A database that does not answer is reported, not raised:
        the counters are still worth a scrape."""
        if self._sessions is None:
            return
        try:
            await self._read(self._sessions)
        except Exception:
            logger.warning("metrics: could not read the queue and purchase orders", exc_info=True)
            self.store_readable.set(0)
        else:
            self.store_readable.set(1)

    async def _read(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        async with sessions() as session:
            by_state = select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
            states: dict[str, int] = {state: count for state, count in await session.execute(by_state)}
            oldest = await session.scalar(
                select(func.min(DeliveryRow.received_at)).where(DeliveryRow.state == "pending")
            )
            by_status = select(PurchaseOrderRow.status, func.count()).group_by(PurchaseOrderRow.status)
            statuses: dict[str, int] = {status: count for status, count in await session.execute(by_status)}
        self.queue_depth.set(states.get("pending", 0))
        self.dead_letters.set(states.get("failed", 0))
        age = 0.0 if oldest is None else (self._now() - as_utc(oldest)).total_seconds()
        self.queue_age.set(max(0.0, age))
        for status in {*_PURCHASE_ORDER_STATUSES, *statuses}:
            self.purchase_orders.labels(status).set(statuses.get(status, 0))

    async def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The registry, SQL gauges read now, with its content type: Prometheus' text format, or
        OpenMetrics when the scraper's `Accept` header asks for it."""
        await self.refresh()
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type

    def route(self, path: str = "/metrics") -> Route:
        """`GET /metrics` for the app's route list."""

        async def serve(request: Request) -> Response:
            body, content_type = await self.exposition(request.headers.get("accept", ""))
            return Response(body, headers={"Content-Type": content_type})

        return Route(path, serve, methods=["GET"])


def _kind(is_mutation: bool) -> str:
    return "mutation" if is_mutation else "query"


def _result_of(result: GraphQLResult) -> str:
    """One word per way a response can end, in the order the client checks them."""
    if result.throttled or result.status == 429:
        return "throttled"
    if result.status in (401, 403):
        return "auth_error"
    if result.status >= 500:
        return "server_error"
    if result.errors:
        return "graphql_error"
    if result.status >= 300 or not result.json_body or result.data is None:
        return "unexpected"
    return "ok"


# The default of every instrumented part: counts into a registry no route exposes.
NO_METRICS = Metrics()
