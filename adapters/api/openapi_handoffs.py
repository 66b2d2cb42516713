"""The hand-off part of the OpenAPI document (`adapters.api.openapi` merges it into the whole).

Kept apart so that each module stays one size a reader can hold; the shapes mirror
`adapters.store.handoff_records.HandOff.to_json` and the request bodies of `adapters.api.handoffs`.
"""

from __future__ import annotations

from typing import Any

from adapters.store.handoff_records import MODES, STATUSES

JSON = "application/json"
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


def _strings(description: str, item: Schema) -> Schema:
    return {"type": "array", "items": item, "maxItems": 50, "description": description}


HANDOFF_PARAMETERS: dict[str, Any] = {
    "handoff_id": {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "A hand-off's id (a lower-case UUID), as listed.",
        "schema": _string(format="uuid"),
    },
    "handoff_status": {
        "name": "status",
        "in": "query",
        "required": False,
        "description": "Only hand-offs in this status (all when left out).",
        "schema": _string(enum=list(STATUSES)),
    },
}

_TIME = _string(format="date-time")
_TRACKING_NUMBER = _string(minLength=1, maxLength=255)
_TRACKING_URL = _string(maxLength=2048, pattern="^https?://\\S+$")
HANDOFF_SCHEMAS: dict[str, Schema] = {
    "HandOff": _object(
        {
            "id": _string(format="uuid"),
            "status": _string("open until completed, failed or cancelled.", enum=list(STATUSES)),
            "mode": _string(
                "linked_order: the engine ordered in the fulfilling store; coordinator: you fulfil it.",
                enum=list(MODES),
            ),
            "origin": _object(
                {
                    "store": _string(),
                    "order_id": _string(),
                    "order_name": _string(),
                    "fulfillment_order_id": _string("The fulfillment order waiting at the stand-in."),
                    "stand_in_location_id": _string(),
                }
            ),
            "fulfilling": _object(
                {
                    "store": _string(),
                    "location_id": _string(),
                    "linked_order_id": _nullable(_string()),
                    "linked_order_name": _nullable(_string()),
                }
            ),
            "lines": {
                "type": "array",
                "items": _object(
                    {
                        "sku": _string(),
                        "quantity": {"type": "integer", "minimum": 1},
                        "fulfillment_order_line_id": _string(),
                    }
                ),
            },
            "tracking": _object(
                {
                    "company": _nullable(_string()),
                    "numbers": {"type": "array", "items": _string()},
                    "urls": {"type": "array", "items": _string()},
                }
            ),
            "detail": _nullable(_string("Reasons and notes, one per line.")),
            "created_at": _TIME,
            "completed_at": _nullable(_string("When it was closed.", format="date-time")),
            "intent_key": _string("The key of the decision's intent that opened it."),
        }
    ),
    "HandOffs": _object({"store": _string(), "handoffs": {"type": "array", "items": _ref("HandOff")}}),
    "HandOffCompletion": {
        **_object(
            {
                "tracking_company": _nullable(_string(minLength=1, maxLength=255)),
                "tracking_numbers": _strings("The shipment's tracking numbers.", _TRACKING_NUMBER),
                "tracking_urls": _strings("Where to follow them.", _TRACKING_URL),
            },
            required=[],
        ),
        "additionalProperties": False,
    },
    "HandOffFailure": {
        **_object({"reason": _string("Why the fulfilling store cannot ship.", minLength=1, maxLength=1000)}),
        "additionalProperties": False,
    },
}


def _operation(
    operation_id: str,
    summary: str,
    scope: str,
    ok: str,
    problems: tuple[int, ...],
    parameters: list[str],
    body: str | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "description": f"Needs the scope `{scope}`. A token sees the hand-offs of its origin stores.",
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": {
            "200": {"description": ok, "content": {JSON: {"schema": _ref(ok.split()[0])}}},
            **{str(s): {"$ref": f"#/components/responses/Problem{s}"} for s in problems},
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref(body)}}}
    return operation


def handoff_paths() -> dict[str, Any]:
    """The hand-off paths, relative to `/api/v1`."""
    auth = (401, 403)
    return {
        "/stores/{store}/handoffs": {
            "get": _operation(
                "listHandOffs",
                "The hand-offs of orders of this store, newest first.",
                "handoffs:read",
                "HandOffs of the store.",
                (400, *auth, 404),
                ["store", "handoff_status", "limit"],
            )
        },
        "/handoffs/{id}": {
            "get": _operation(
                "getHandOff",
                "One hand-off with its lines, linked order and tracking.",
                "handoffs:read",
                "HandOff asked for.",
                (400, *auth, 404),
                ["handoff_id"],
            )
        },
        "/handoffs/{id}/complete": {
            "post": _operation(
                "completeHandOff",
                "The fulfilling store shipped: fulfil the origin's order with this tracking. "
                "Sending it again answers the completed hand-off.",
                "handoffs:write",
                "HandOff completed.",
                (400, *auth, 404, 409, 502),
                ["handoff_id"],
                "HandOffCompletion",
            )
        },
        "/handoffs/{id}/fail": {
            "post": _operation(
                "failHandOff",
                "The fulfilling store cannot ship: the origin's order is routed again without it. "
                "Sending it again answers the failed hand-off.",
                "handoffs:write",
                "HandOff failed.",
                (400, *auth, 404, 409, 502),
                ["handoff_id"],
                "HandOffFailure",
            )
        },
    }
