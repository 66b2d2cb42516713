"""`POST /stores/{shop}/admin/api/{version}/graphql.json`: auth, faults, validation, cost, execution."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from adapters.emulator.cost import MAX_QUERY_COST, CostCalculator
from adapters.emulator.resolvers import RequestContext, root_value
from adapters.emulator.runtime import Emulator
from adapters.emulator.schemas import real_schema, subset_schema
from adapters.emulator.throttle import CostBucket

INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"


class DroppedConnection(Exception):
    """Raised mid-response so the server aborts the connection (fault injection)."""


class _DropResponse(Response):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b'{"data":', "more_body": True})
        raise DroppedConnection("connection dropped by fault injection")


def _errors(errors: list[GraphQLError]) -> list[dict[str, Any]]:
    return [dict(e.formatted) for e in errors]


def _cost_extension(requested: int, actual: int | None, bucket: CostBucket) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": bucket.status(),
        }
    }


@functools.lru_cache(maxsize=512)
def _parse_and_validate(query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """Parse and validate once per distinct document: clients send the same few texts again and
    again, and validating against the 2.6 MB real schema costs more than answering."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, [error]
    return document, _validate(document)


def _validate(document: DocumentNode) -> list[GraphQLError]:
    real = real_schema()
    if real is not None:
        errors = validate(real, document)
        if errors:
            return errors
    unsupported = validate(subset_schema(), document)
    for error in unsupported:
        error.extensions = {"code": "EMULATOR_UNSUPPORTED", **(error.extensions or {})}
    return unsupported


class GraphQLEndpoint:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def handle(self, request: Request) -> Response:
        emulator = self.emulator
        store = emulator.state.store(request.path_params["shop"])
        if store is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        if request.headers.get("x-shopify-access-token") != store.access_token:
            return JSONResponse(INVALID_TOKEN, status_code=401)
        faults = emulator.faults
        if faults.take("delay_next"):
            await asyncio.sleep(faults.delay_seconds)
        if faults.take("drop_connection_next"):
            return _DropResponse()
        if faults.take("http_500_next"):
            return JSONResponse({"errors": "Internal Server Error"}, status_code=500)
        try:
            body = json.loads(await request.body())
            query = body["query"]
            if not isinstance(query, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return JSONResponse(
                {"errors": {"query": "Required parameter missing or invalid"}}, status_code=400
            )
        variables = body.get("variables") or {}
        document, errors = _parse_and_validate(query)
        if document is None or errors:
            return JSONResponse({"errors": _errors(errors)})
        schema = subset_schema()
        operation = get_operation_ast(document, body.get("operationName"))
        if operation is None:
            return JSONResponse({"errors": [{"message": "An operation name is required"}]})
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            return JSONResponse({"errors": _errors(coerced)})
        answer = self._run(store.domain, schema, document, operation, variables, dict(coerced.coerced))
        if operation.operation.value == "mutation" and faults.take("lose_answer_next"):
            return _DropResponse()  # it ran: the writes and their webhooks stay
        return answer

    def _run(
        self,
        domain: str,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        coerced: dict[str, Any],
    ) -> JSONResponse:
        emulator = self.emulator
        store = emulator.state.stores[domain]
        bucket = emulator.buckets[domain]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        calculator = CostCalculator(schema, fragments, coerced)
        requested = calculator.operation(operation)
        if requested > MAX_QUERY_COST:
            bucket.calls += 1
            message = (
                f"Query cost is {requested}, which exceeds the single query max cost limit "
                f"({MAX_QUERY_COST}).\n\n"
                "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
                "cost of a query is calculated.\n\n"
                "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
                "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api "
                "for usage details.\n"
            )
            error = {
                "message": message,
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": requested,
                    "maxCost": MAX_QUERY_COST,
                    "documentation": RATE_LIMITS_DOC,
                },
            }
            return JSONResponse({"errors": [error], "extensions": _cost_extension(requested, None, bucket)})
        forced = emulator.faults.take("throttle_next")
        if forced:
            bucket.calls += 1
            bucket.throttled += 1
        if forced or not bucket.try_take(requested):
            throttled = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC},
            }
            return JSONResponse(
                {"errors": [throttled], "extensions": _cost_extension(requested, None, bucket)}
            )
        context = RequestContext(emulator.state, store)
        name = operation.name.value if operation.name else None
        result = execute(schema, document, root_value(context), context, variables, name)
        # Every resolver is synchronous, so graphql-core answers without awaiting.
        assert isinstance(result, ExecutionResult)
        actual = min(requested, calculator.operation(operation, result.data, actual=True))
        bucket.refund(requested - actual)
        bucket.points_spent += actual
        emulator.mutations.extend(context.mutations)
        emulator.emit(store, context.events)  # with inventory_levels/update for levels it changed
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = _errors(list(result.errors))
        payload["data"] = result.data
        payload["extensions"] = _cost_extension(requested, actual, bucket)
        return JSONResponse(payload)
