"""A real receiver of events on a loopback port, answering as each test scripts it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.events import InvalidSignature, verify_signature
from adapters.loopback import serve_on_loopback
from tests.store.conftest import database_url, sessions

__all__ = ["database_url", "sessions"]

SECRET = "events-test-secret-0123456789abcdef0123"


@dataclass
class Received:
    """One request as the receiver saw it, and whether its signature verified."""

    headers: dict[str, str]
    body: bytes
    verified: str  # "ok", or why not


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (200 once the script runs out)."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def event_ids(self) -> list[str]:
        return [r.headers["x-routing-event-id"] for r in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """The coordination service's end: verifies each request's signature as the README shows."""
    state = Receiver()

    async def events(request: Request) -> Response:
        body = await request.body()
        try:
            verify_signature(
                SECRET,
                request.headers.get("x-routing-timestamp", ""),
                body,
                request.headers.get("x-routing-signature", ""),
                tolerance=300,
            )
            verified = "ok"
        except InvalidSignature as exc:
            verified = str(exc)
        state.received.append(Received(dict(request.headers), body, verified))
        status = state.script.pop(0) if state.script else 200
        return JSONResponse({"status": status}, status_code=status)

    app = Starlette(routes=[Route("/events", events, methods=["POST"])])
    async with serve_on_loopback(app) as url:
        state.url = f"{url}/events"
        yield state


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as shared:
        yield shared
