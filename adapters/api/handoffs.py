"""Hand-offs on the API: what the coordination service sees of them, and how it closes one.

- `GET /stores/{store}/handoffs?status=open&limit=100` (handoffs:read): the hand-offs whose origin
  is `store`, newest first; `status` one of open, completed, failed, cancelled (all when left out).
- `GET /handoffs/{id}` (handoffs:read): one hand-off with its lines, linked order and tracking.
- `POST /handoffs/{id}/complete` (handoffs:write) with `{"tracking_company", "tracking_numbers",
  "tracking_urls"}`: the fulfilling store shipped. `HandOffActions.complete` does what follows
  (the fulfillment with this tracking in the origin store) and records it.
- `POST /handoffs/{id}/fail` (handoffs:write) with `{"reason"}`: the fulfilling store cannot ship;
  `HandOffActions.fail` records it and has the origin's order decided again without that store.
A token sees a hand-off when it sees its ORIGIN store; any other is a 404, like an unknown id.
Closing again the same way (a retry) answers 200 with the hand-off; closing a hand-off that was
closed otherwise is a 409 naming its status.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.api.auth import guarded, store_denied
from adapters.api.context import ApiContext
from adapters.api.errors import bad_request, not_found, problem
from adapters.api.tokens import ApiToken
from adapters.shopify.errors import ShopifyError
from adapters.store.handoff_records import STATUSES
from adapters.store.handoffs import HandOff, HandOffBook, HandOffTransition, Tracking, UnknownHandOff

logger = logging.getLogger(__name__)

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_BODY_BYTES = 64 * 1024
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

_Model = TypeVar("_Model", bound=BaseModel)
_Act = Callable[[HandOff], Awaitable[HandOffTransition]]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
_Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://\S+$")]


class HandOffActions(Protocol):
    """What closing a hand-off sets off; the orchestration implements it (Shopify, then the book)."""

    async def complete(self, handoff: HandOff, tracking: Tracking) -> HandOffTransition:
        """Create the fulfillment in the origin store with `tracking`, and record the completion."""
        ...

    async def fail(self, handoff: HandOff, reason: str) -> HandOffTransition:
        """Record the failure and have the origin's order decided again without the other store."""
        ...


class BookOnlyActions:
    """`HandOffActions` that only record in the book: nothing is written to Shopify (for tests)."""

    def __init__(self, book: HandOffBook) -> None:
        self._book = book

    async def complete(self, handoff: HandOff, tracking: Tracking) -> HandOffTransition:
        """Record the completion."""
        return await self._book.complete(handoff.id, tracking)

    async def fail(self, handoff: HandOff, reason: str) -> HandOffTransition:
        """Record the failure."""
        return await self._book.fail(handoff.id, reason)


class _Completion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tracking_company: _Text | None = None
    tracking_numbers: list[_Text] = Field(default_factory=list, max_length=50)
    tracking_urls: list[_Url] = Field(default_factory=list, max_length=50)


class _Failure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


def handoff_routes(context: ApiContext, actions: HandOffActions | None = None) -> list[Route]:
    """The routes of the `handoffs` resource; `actions` defaults to `BookOnlyActions`."""
    book = HandOffBook(context.sessions, clock=context.clock)
    closing: HandOffActions = actions if actions is not None else BookOnlyActions(book)

    async def list_handoffs(request: Request, caller: ApiToken) -> Response:
        store = request.path_params["store"]
        denied = store_denied(request, context, caller, store)
        if denied is not None:
            return denied
        status = request.query_params.get("status")
        if status is not None and status not in STATUSES:
            return bad_request(
                request,
                f"status {status[:40]!r} is not a hand-off status",
                where="query parameter status",
                fix=f"write one of {', '.join(STATUSES)}, or leave it out for all",
            )
        raw_limit = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not (raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_LIMIT):
            return bad_request(
                request,
                f"limit {raw_limit[:20]!r} is not a number from 1 to {MAX_LIMIT}",
                where="query parameter limit",
                fix=f"write e.g. ?limit={DEFAULT_LIMIT}, or leave it out",
            )
        found = await book.list([store], status, int(raw_limit))  # type: ignore[arg-type]
        return JSONResponse({"store": store, "handoffs": [handoff.to_json() for handoff in found]})

    async def get_handoff(request: Request, caller: ApiToken) -> Response:
        found = await _visible(request, caller)
        return found if isinstance(found, Response) else JSONResponse(found.to_json())

    async def complete(request: Request, caller: ApiToken) -> Response:
        found = await _visible(request, caller)
        if isinstance(found, Response):
            return found
        body = await _body(request, _Completion)
        if isinstance(body, Response):
            return body
        tracking = Tracking(body.tracking_company, tuple(body.tracking_numbers), tuple(body.tracking_urls))
        return await _close(request, caller, found, "completed", lambda h: closing.complete(h, tracking))

    async def fail(request: Request, caller: ApiToken) -> Response:
        found = await _visible(request, caller)
        if isinstance(found, Response):
            return found
        body = await _body(request, _Failure)
        if isinstance(body, Response):
            return body
        reason = f"{body.reason} (reported by {caller.name})"
        return await _close(request, caller, found, "failed", lambda h: closing.fail(h, reason))

    async def _visible(request: Request, caller: ApiToken) -> HandOff | Response:
        raw = request.path_params["id"]
        if not _UUID.match(raw):
            return bad_request(
                request,
                f"{raw[:40]!r} is not a hand-off id",
                where="path parameter id",
                fix="use an id listed by GET /api/v1/stores/{store}/handoffs (a lower-case UUID)",
            )
        handoff = await book.get(raw)
        if handoff is None or not caller.sees(handoff.origin_store):
            return not_found(
                request,
                f"no hand-off {raw} is visible to token {caller.name!r}",
                where="path parameter id",
                fix="use an id listed by GET /api/v1/stores/{store}/handoffs for a store of your token",
            )
        return handoff

    async def _close(
        request: Request, caller: ApiToken, handoff: HandOff, target: str, act: _Act
    ) -> Response:
        if handoff.status == "open":
            try:
                moved: HandOffTransition = await act(handoff)
            except UnknownHandOff:  # a database other than the one it was read from: say so plainly
                return not_found(
                    request,
                    f"no hand-off {handoff.id}",
                    where="path parameter id",
                    fix="use an id listed by GET /api/v1/stores/{store}/handoffs",
                )
            except ShopifyError as exc:
                logger.warning("api: closing hand-off %s as %s failed: %s", handoff.id, target, exc)
                return problem(
                    request,
                    502,
                    "shopify-unavailable",
                    f"Shopify did not take the change ({type(exc).__name__}); the hand-off stays open",
                    where=f"Shopify Admin API of {handoff.origin_store}",
                    fix="send the same request again later",
                )
            handoff = moved.handoff
            if moved.applied:
                logger.info("api: %s closed hand-off %s as %s", caller.name, handoff.id, target)
        if handoff.status == target:  # closed now, or by an earlier try of the same request
            return JSONResponse(handoff.to_json())
        return problem(
            request,
            409,
            "handoff-closed",
            f"hand-off {handoff.id} is already {handoff.status}; it cannot become {target}",
            where="path parameter id",
            fix="GET the hand-off to see how it was closed; only an open hand-off can be closed",
        )

    return [
        Route("/stores/{store}/handoffs", guarded(context, "handoffs:read", list_handoffs), methods=["GET"]),
        Route("/handoffs/{id}", guarded(context, "handoffs:read", get_handoff), methods=["GET"]),
        Route("/handoffs/{id}/complete", guarded(context, "handoffs:write", complete), methods=["POST"]),
        Route("/handoffs/{id}/fail", guarded(context, "handoffs:write", fail), methods=["POST"]),
    ]


async def _body(request: Request, model: type[_Model]) -> _Model | Response:
    """The JSON body as `model`, or a 400 naming the field at fault."""
    fields = ", ".join(model.model_fields)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return bad_request(
            request, f"the body is {len(raw)} bytes", where="body", fix=f"send at most {MAX_BODY_BYTES} bytes"
        )
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return bad_request(
            request,
            "the body is not JSON",
            where="body",
            fix=f"send a JSON object with {fields} and Content-Type: application/json",
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        place = ".".join(str(part) for part in error["loc"]) or "body"
        return bad_request(
            request,
            f"{place}: {error['msg']}",
            where=f"body field {place}" if error["loc"] else "body",
            fix=f"send a JSON object with only {fields}, each as documented in /api/v1/openapi.json",
        )
