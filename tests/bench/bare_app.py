"""The baseline for the intake benchmark: a bare Starlette route that answers 200 and does nothing.

Served exactly as the service is (uvicorn, same options), so the difference is our route's work.
Run: python -m tests.bench.bare_app --port P
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def accept(request: Request) -> Response:
    await request.body()
    return JSONResponse({"status": 200, "message": "stored"})


app = Starlette(routes=[Route("/webhooks/shopify", accept, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
