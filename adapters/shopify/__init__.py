"""Shopify GraphQL Admin API client: a sans-I/O core (`sansio`), a thin httpx layer (`client`),
the GraphQL documents (`documents`), the snapshot reader (`snapshot`) and the intent executor
(`executor`). Errors are in `errors`; see its docstring for the tree."""

from adapters.shopify.client import Accounting, RetryPolicy, ShopifyClient
from adapters.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyNotFound,
    ShopifyQueryError,
    ShopifyThrottled,
    ShopifyTransportError,
    ShopifyUnavailable,
    ShopifyUnexpectedResponse,
    ShopifyUserError,
    UserError,
)
from adapters.shopify.executor import Executor
from adapters.shopify.outcomes import IntentOutcome, IntentResult
from adapters.shopify.sansio import (
    GraphQLResult,
    ThrottleStatus,
    WebhookHeaders,
    parse_response,
    read_webhook_headers,
    throttle_wait,
    verify_webhook,
)
from adapters.shopify.snapshot import (
    LocationCache,
    ShopLocations,
    read_inventory,
    read_locations,
    read_order_snapshot,
    read_shop_locations,
    read_snapshot,
)

__all__ = [
    "Accounting",
    "Executor",
    "GraphQLResult",
    "IntentOutcome",
    "IntentResult",
    "LocationCache",
    "RetryPolicy",
    "ShopLocations",
    "ShopifyAuthError",
    "ShopifyClient",
    "ShopifyError",
    "ShopifyNotFound",
    "ShopifyQueryError",
    "ShopifyThrottled",
    "ShopifyTransportError",
    "ShopifyUnavailable",
    "ShopifyUnexpectedResponse",
    "ShopifyUserError",
    "ThrottleStatus",
    "UserError",
    "WebhookHeaders",
    "parse_response",
    "read_inventory",
    "read_locations",
    "read_order_snapshot",
    "read_shop_locations",
    "read_snapshot",
    "read_webhook_headers",
    "throttle_wait",
    "verify_webhook",
]
