"""Admin routes, behind a bearer token (`ROUTING_ADMIN_TOKEN`).

- `POST /admin/rules/reload`: check the rule files now and serve them if they pass (see
  `adapters.rule_reload`): 200 `reloaded` or `unchanged`, 422 `rejected` (the old rules serve).

Without a configured token the admin routes answer 404, exactly like a route that does not
exist: an operator who never set a token has no admin surface to probe. With one, a request
without `Authorization: Bearer …` gets 401, a wrong token 403; tokens are compared in constant
time and never logged.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

if TYPE_CHECKING:
    from adapters.app import Runtime

logger = logging.getLogger(__name__)


async def reload_rules(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    denied = authorize(request, runtime.settings.admin_token)
    if denied is not None:
        return denied
    report = await runtime.rules.reload("reload endpoint")
    return JSONResponse(report.as_json(), status_code=422 if report.result == "rejected" else 200)


def authorize(request: Request, token: SecretStr | None) -> Response | None:
    """None when the request carries the admin token; else the answer to send."""
    if token is None:
        return PlainTextResponse("Not Found", status_code=404)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return JSONResponse(
            {"error": "send Authorization: Bearer <ROUTING_ADMIN_TOKEN>"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="routing-engine admin"'},
        )
    if not hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
        logger.warning("admin request %s %s with a wrong token", request.method, request.url.path)
        return JSONResponse({"error": "wrong token"}, status_code=403)
    return None
