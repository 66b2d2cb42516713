"""Errors of the API as RFC 9457 problem details: what was wrong, where, and what to do.

Every error body is `application/problem+json` with `type`, `title`, `status`, `detail` (what was
wrong), `instance` (the request path), `where` (the part of the request at fault) and `fix` (what
to do). Messages never carry a token or other secret.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://routing-engine.dev/problems/"

TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    502: "Shopify did not answer",
}


def problem(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    *,
    where: str,
    fix: str,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json answer; `kind` names the problem type (e.g. `missing-scope`)."""
    body = {
        "type": PROBLEM_BASE + kind,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "where": where,
        "fix": fix,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def not_found(request: Request, detail: str, *, where: str, fix: str) -> JSONResponse:
    """404: the thing asked for is unknown, or the token may not see it (the same answer)."""
    return problem(request, 404, "not-found", detail, where=where, fix=fix)


def bad_request(request: Request, detail: str, *, where: str, fix: str) -> JSONResponse:
    """400: a parameter is malformed."""
    return problem(request, 400, "bad-request", detail, where=where, fix=fix)
