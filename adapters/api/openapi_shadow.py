"""The shadow-mode part of the OpenAPI document (`adapters.api.openapi` merges it into the whole).

The shapes mirror `adapters.shadow.record_json` and `adapters.decision_diff.Change.as_json`.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
JSON = "application/json"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(description: str = "", **extra: Any) -> Schema:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def _nullable(schema: Schema) -> Schema:
    return {"oneOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Schema]) -> Schema:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


SHADOW_PARAMETERS: dict[str, Any] = {
    "shadow_since": {
        "name": "since",
        "in": "query",
        "required": False,
        "description": "Only shadow decisions made at or after this day (YYYY-MM-DD, UTC) or time.",
        "schema": _string(),
    },
    "shadow_store": {
        "name": "store",
        "in": "query",
        "required": False,
        "description": "Only this store's shadow decisions.",
        "schema": _string(),
    },
}

_PLACEMENT = _nullable(
    _object(
        {
            "action": _string("move, keep, hold, split or skip."),
            "target": _nullable(_string("The location it ships from after the decision.")),
            "strategy": _nullable(_string("The strategy or hold rule that decided.")),
            "hold_reason": _nullable(_string()),
            "parts": {"type": "array", "items": {"type": "object"}},
            "source": _nullable(_string("The location it was at.")),
        }
    )
)
SHADOW_SCHEMAS: dict[str, Schema] = {
    "ShadowDisagreement": _object(
        {
            "decision_id": _string("The live decision's id."),
            "store": _string(),
            "order_id": _string(),
            "order_name": _string(),
            "live": _object({"ruleset": _string(), "outcome": _string()}),
            "shadow": _object({"ruleset": _string(), "outcome": _string()}),
            "decided_at": _string(format="date-time"),
            "fulfillment_orders": {
                "type": "array",
                "items": _object(
                    {
                        "fulfillment_order_id": _string(),
                        "before": _PLACEMENT,
                        "after": _PLACEMENT,
                        "why": _object(
                            {
                                "before": _nullable(_string("The live trace's first differing line.")),
                                "after": _nullable(_string("The shadow trace's first differing line.")),
                            }
                        ),
                    }
                ),
            },
        }
    ),
    "ShadowDisagreements": _object(
        {
            "disagreements": {"type": "array", "items": _ref("ShadowDisagreement")},
            "shadow_decisions": {"type": "integer", "description": "Shadow decisions recorded, all."},
        }
    ),
}


def shadow_paths() -> dict[str, Any]:
    """The paths of `adapters.api.shadow`."""
    return {
        "/shadow/disagreements": {
            "get": {
                "operationId": "listShadowDisagreements",
                "summary": "Where the shadow rule set decides differently from the live one, and why.",
                "description": "Needs the scope `decisions:read`.",
                "parameters": [
                    {"$ref": f"#/components/parameters/{name}"}
                    for name in ("shadow_since", "shadow_store", "limit")
                ],
                "responses": {
                    "200": {
                        "description": "The disagreements, oldest first.",
                        "content": {JSON: {"schema": _ref("ShadowDisagreements")}},
                    },
                    **{
                        str(status): {"$ref": f"#/components/responses/Problem{status}"}
                        for status in (400, 401, 403, 404)
                    },
                },
            }
        }
    }
