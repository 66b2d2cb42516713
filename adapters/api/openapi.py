"""The API's OpenAPI 3.1 document, as data, served at `GET /api/v1/openapi.json`.

A test checks that every route of `api_routes` is documented here and every path documented
here is routed, so the document cannot drift from the router.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.openapi_handoffs import HANDOFF_PARAMETERS, HANDOFF_SCHEMAS, handoff_paths
from adapters.api.openapi_shadow import SHADOW_PARAMETERS, SHADOW_SCHEMAS, shadow_paths

JSON = "application/json"
PROBLEM = "application/problem+json"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(description: str = "", **extra: Any) -> Schema:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def _nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Schema], *, required: list[str] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties) if required is None else required,
    }


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/Problem{status}"} for status in statuses}


def _ok(description: str, schema: str, status: int = 200, headers: dict[str, Any] | None = None) -> Any:
    answer: dict[str, Any] = {"description": description, "content": {JSON: {"schema": _ref(schema)}}}
    if headers:
        answer["headers"] = headers
    return {str(status): answer}


def _operation(
    operation_id: str, summary: str, scope: str | None, responses: dict[str, Any], parameters: list[str]
) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": f"Needs the scope `{scope}`." if scope else "Any valid token.",
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": responses,
    }


_PARAMETERS: dict[str, Any] = {
    "store": {
        "name": "store",
        "in": "path",
        "required": True,
        "description": "The shop domain, e.g. north-wind-us.myshopify.com.",
        "schema": _string(pattern="^[a-z0-9][a-z0-9-]*\\.myshopify\\.com$"),
    },
    "order_id": {
        "name": "order_id",
        "in": "path",
        "required": True,
        "description": "The order's number (5001) or GID (gid://shopify/Order/5001).",
        "schema": _string(pattern="^(gid://shopify/Order/)?[0-9]+$"),
    },
    "delivery_id": {
        "name": "delivery_id",
        "in": "path",
        "required": True,
        "description": "The delivery id answered by decide (api:<uuid>), or a webhook id.",
        "schema": _string(),
    },
    "dead_letter_id": {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "A dead letter's id, as listed.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "sku": {
        "name": "sku",
        "in": "query",
        "required": True,
        "description": "A SKU; repeat for several (at most 50).",
        "schema": {
            "type": "array",
            "items": _string(minLength=1, maxLength=255),
            "minItems": 1,
            "maxItems": 50,
        },
        "style": "form",
        "explode": True,
    },
    "store_filter": {
        "name": "store",
        "in": "query",
        "required": False,
        "description": "Only this store's dead letters.",
        "schema": _string(),
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "At most this many (1-1000, default 100).",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    },
}

_TIME = _string(format="date-time")
_SCHEMAS: dict[str, Schema] = {
    "Problem": _object(
        {
            "type": _string("A URI naming the kind of problem."),
            "title": _string(),
            "status": {"type": "integer"},
            "detail": _string("What was wrong."),
            "instance": _string("The request path."),
            "where": _string("The part of the request at fault."),
            "fix": _string("What to do."),
        }
    ),
    "Stores": _object(
        {
            "stores": {"type": "array", "items": _object({"store": _string()})},
            "token": _string("The token's name."),
            "scopes": {"type": "array", "items": _string()},
        }
    ),
    "Intent": _object(
        {
            "position": {"type": "integer"},
            "kind": _string("move, hold, release_hold, split, set_metafield, add_tags, …"),
            "idempotency_key": _string(),
            "state": _string(
                enum=["pending", "in_flight", "applied", "already_done", "superseded", "failed"]
            ),
            "attempts": {"type": "integer"},
            "intent": {"type": "object", "description": "The write as the engine planned it."},
            "detail": _nullable(_string("What the write did, once settled.")),
        }
    ),
    "TraceEntry": _object(
        {"step": _string(), "subject": _string(), "verdict": _string(), "detail": _string()}
    ),
    "Decision": _object(
        {
            "id": _string(),
            "state": _string(enum=["executing", "completed", "failed"]),
            "outcome": _string(),
            "order_name": _string(),
            "ruleset_version": _string(),
            "at": _TIME,
            "fulfillment_orders": {"type": "array", "items": {"type": "object"}},
            "intents": {"type": "array", "items": _ref("Intent")},
            "trace": {"type": "array", "items": _ref("TraceEntry")},
        }
    ),
    "Decisions": _object(
        {"store": _string(), "order_id": _string(), "decisions": {"type": "array", "items": _ref("Decision")}}
    ),
    "DecideAccepted": _object(
        {"delivery_id": _string(), "store": _string(), "order_id": _string(), "status_url": _string()}
    ),
    "Delivery": _object(
        {
            "delivery_id": _string(),
            "store": _string(),
            "topic": _string(),
            "state": _string("pending until processed; then done, ignored, echo or failed (a dead letter)."),
            "attempts": {"type": "integer"},
            "note": _nullable(_string()),
            "order_id": _nullable(_string()),
            "decision_id": _nullable(_string()),
            "received_at": _TIME,
            "finished_at": _nullable(_TIME),
        }
    ),
    "InventoryFigure": _object(
        {
            "location_id": _string(),
            "location_name": _string(),
            "inventory_item_id": _string(),
            "available": {"type": "integer"},
            "read_at": _TIME,
            "age_seconds": {"type": "number", "minimum": 0},
            "source": _string(
                "live: read now from Shopify; cache: from the inventory view.", enum=["live", "cache"]
            ),
            "stale": {
                "type": "boolean",
                "description": "A cached figure older than ROUTING_INVENTORY_STALE_SECONDS (live: false).",
            },
        }
    ),
    "Inventory": _object(
        {
            "skus": {
                "type": "array",
                "items": _object(
                    {
                        "sku": _string(),
                        "stores": {
                            "type": "array",
                            "items": _object(
                                {
                                    "store": _string(),
                                    "locations": {"type": "array", "items": _ref("InventoryFigure")},
                                }
                            ),
                        },
                    }
                ),
            },
            "unavailable": {"type": "array", "items": _object({"store": _string(), "detail": _string()})},
            "at": _TIME,
        }
    ),
    "DeadLetter": _object(
        {
            "id": {"type": "integer"},
            "store": _string(),
            "topic": _string(),
            "webhook_id": _string(),
            "order_id": _nullable(_string()),
            "attempts": {"type": "integer"},
            "failed_at": _nullable(_TIME),
            "note": _nullable(_string()),
        }
    ),
    "DeadLetters": _object(
        {"dead_letters": {"type": "array", "items": _ref("DeadLetter")}, "total": {"type": "integer"}}
    ),
    "Retried": _object(
        {
            "retried": {"type": "array", "items": {"type": "integer"}},
            "store": _string(),
            "status_url": _string(),
        }
    ),
}

_PROBLEM_TEXT = {
    400: "A parameter is malformed.",
    401: "No valid bearer token (missing, malformed or unknown: the same answer).",
    403: "The token lacks the scope, or may not see the store.",
    404: "Unknown, or not visible to this token (the same answer).",
    409: "Nothing to do in the order's current state.",
    502: "Shopify could not be read; nothing was stored.",
}
_LOCATION = {"Location": {"description": "Where to poll.", "schema": _string()}}
_AUTH = (401, 403)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of `/api/v1`."""
    store_order = ["store", "order_id"]
    paths = {
        "/stores": {
            "get": _operation(
                "listStores",
                "The stores this token sees.",
                None,
                {**_ok("The stores.", "Stores"), **_problems(401)},
                [],
            )
        },
        "/stores/{store}/orders/{order_id}/decisions": {
            "get": _operation(
                "listDecisions",
                "The order's decisions, newest first, with intents, write states and traces.",
                "decisions:read",
                {**_ok("The decisions.", "Decisions"), **_problems(400, *_AUTH, 404)},
                store_order,
            )
        },
        "/stores/{store}/orders/{order_id}/decide": {
            "post": _operation(
                "decideAgain",
                "Decide the order again (stores a routing-complete delivery for the workers).",
                "decisions:write",
                {
                    **_ok("Stored; poll the Location.", "DecideAccepted", 202, _LOCATION),
                    **_problems(400, *_AUTH, 404, 409, 502),
                },
                store_order,
            )
        },
        "/stores/{store}/deliveries/{delivery_id}": {
            "get": _operation(
                "getDelivery",
                "A delivery's state and the decision it led to.",
                "decisions:read",
                {**_ok("The delivery.", "Delivery"), **_problems(*_AUTH, 404)},
                ["store", "delivery_id"],
            )
        },
        "/inventory": {
            "get": _operation(
                "getInventory",
                "Available stock per SKU, store and location, each figure with its age.",
                "inventory:read",
                {**_ok("The figures.", "Inventory"), **_problems(400, *_AUTH)},
                ["sku"],
            )
        },
        "/dead-letters": {
            "get": _operation(
                "listDeadLetters",
                "Deliveries that failed for good, newest first.",
                "dead_letters:read",
                {**_ok("The dead letters.", "DeadLetters"), **_problems(400, *_AUTH, 404)},
                ["store_filter", "limit"],
            )
        },
        "/dead-letters/{id}/retry": {
            "post": _operation(
                "retryDeadLetter",
                "Put a dead letter back to pending.",
                "dead_letters:write",
                {**_ok("Put back.", "Retried", 200, _LOCATION), **_problems(400, *_AUTH, 404)},
                ["dead_letter_id"],
            )
        },
        **handoff_paths(),
        **shadow_paths(),
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "routing-engine coordination API",
            "version": "1.0.0",
            "description": "The API of the multi-store coordination service. Errors are problem+json "
            "(RFC 9457) with `where` and `fix`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token of ROUTING_API_TOKENS_FILE; its scopes and stores limit it.",
                }
            },
            "parameters": {**_PARAMETERS, **HANDOFF_PARAMETERS, **SHADOW_PARAMETERS},
            "schemas": {**_SCHEMAS, **HANDOFF_SCHEMAS, **SHADOW_SCHEMAS},
            "responses": {
                f"Problem{status}": {"description": text, "content": {PROBLEM: {"schema": _ref("Problem")}}}
                for status, text in _PROBLEM_TEXT.items()
            },
        },
    }


def openapi_routes() -> list[Route]:
    """`GET /openapi.json`, open to anyone: the document holds no secret."""
    document = openapi_document()

    async def serve(request: Request) -> Response:
        return JSONResponse(document)

    return [Route("/openapi.json", serve, methods=["GET"])]
