"""The inbound EDI route: `POST /edi/inbound/{vendor_id}`, where vendors push their X12 documents.

Authentication is one secret per vendor, accepted in either of two places:

- `Authorization: Bearer <token>`, for VANs and gateways that can set a header;
- `?token=<token>` in the URL, for AS2 senders. An AS2 partner is configured with one URL and
  nothing else: mock-edi's courier (`mockedi/delivery.py`) posts to a partner's `as2_url` with
  its own fixed AS2 headers, keeps the URL's query but cannot carry userinfo (it connects to
  the URL's `netloc`, `user:pass@host` included, which fails), and has no setting for extra
  headers. So the vendor's `as2_url` is `https://<us>/edi/inbound/<vendor_id>?token=<token>`.
  The AS2 headers themselves (`AS2-From`, `AS2-To`) are names anyone can write, not proof.

Tokens are compared in constant time (an unknown vendor is compared against a dummy so it
takes as long), never logged, and every refusal is the same 401, so a stranger learns neither
which vendors exist nor which half was wrong. A query token can end up in a proxy's access log:
give each vendor its own token, serve the route over TLS, and rotate a token by giving the
vendor a new URL. Authentication comes before the body is read, so a stranger's upload is not.

Then: a body over `max_bytes` is 413 (checked on Content-Length and again while reading, for a
chunked upload); a body that is not an X12 interchange is 400 saying what was wrong; otherwise
`await handler(vendor_id, text)`, whose `InboundResult` (accepted, duplicate or rejected, with a
detail) is answered as 200 JSON. Rejected is still 200: the document was received and kept, and
the rejection travels back as a 997. A handler that raises is 503, so the sender keeps the
document and tries again; nothing is acknowledged that was not recorded.

An AS2 sender that asks for a receipt (`Disposition-Notification-To`) is answered with a
synchronous, *unsigned* MDN (`multipart/report`) in place of the JSON: `processed`, or
`processed/warning: duplicate-document` for a duplicate. mock-edi counts any answer below 400 as
delivered and records the MDN's `Disposition` against the document. Signing the MDN (and
S/MIME in general) is out of scope; a sender that requires a signed receipt gets the unsigned
one and must treat it as its policy says. Asynchronous MDNs (`Receipt-Delivery-Option`) are not
sent: the synchronous one is answered instead.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.edi.transport import NotX12Error, read_isa_header

logger = logging.getLogger(__name__)

Outcome = Literal["accepted", "duplicate", "rejected"]
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
AS2_ID = "ROUTINGENGINE"
_DUMMY_TOKEN = b"\x00" * 32
_UNAUTHORIZED = {
    "error": "unauthorized: send the token agreed with this vendor as 'Authorization: Bearer <token>' "
    "or as ?token=<token> in the URL"
}


@dataclass(frozen=True, slots=True)
class InboundResult:
    """What the orchestration made of one inbound document."""

    outcome: Outcome
    detail: str = ""


Handler = Callable[[str, str], Awaitable[InboundResult]]


class _TooLarge(Exception):
    pass


def inbound_routes(
    handler: Handler,
    tokens: Mapping[str, str | SecretStr],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    as2_id: str = AS2_ID,
) -> list[Route]:
    """`POST /edi/inbound/{vendor_id}`: authenticated per vendor by `tokens` (vendor id → token)."""
    secrets = {
        vendor: (token.get_secret_value() if isinstance(token, SecretStr) else token).encode()
        for vendor, token in tokens.items()
    }

    async def receive_document(request: Request) -> Response:
        vendor_id = request.path_params["vendor_id"]
        if not _authorized(request, secrets.get(vendor_id)):
            logger.warning("inbound EDI for %r refused: missing or wrong token", vendor_id)
            return JSONResponse(_UNAUTHORIZED, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        try:
            body = await _read_body(request, max_bytes)
        except _TooLarge:
            return JSONResponse(
                {"error": f"the document is larger than {max_bytes} bytes; send one interchange per request"},
                status_code=413,
            )
        except ClientDisconnect:
            return Response(status_code=400)
        text, problem = _decode(body)
        if problem is None:
            try:
                header = read_isa_header(text)
            except NotX12Error as error:
                problem = str(error)
        if problem is not None:
            return JSONResponse(
                {"error": f"{problem}. Send one X12 interchange (ISA … IEA) as the request body."},
                status_code=400,
            )
        try:
            result = await handler(vendor_id, text)
        except Exception:
            logger.exception(
                "inbound EDI interchange %s from %r could not be recorded", header.control_number, vendor_id
            )
            return JSONResponse(
                {"error": "the document could not be recorded now; send it again later"},
                status_code=503,
                headers={"Retry-After": "60"},
            )
        logger.info(
            "inbound EDI interchange %s from %r: %s", header.control_number, vendor_id, result.outcome
        )
        if request.headers.get("disposition-notification-to"):
            return _mdn(request, body, result, as2_id)
        return JSONResponse(
            {
                "outcome": result.outcome,
                "detail": result.detail,
                "vendor": vendor_id,
                "interchange": header.control_number,
                "sender": header.sender_id,
            }
        )

    return [Route("/edi/inbound/{vendor_id}", receive_document, methods=["POST"])]


def _authorized(request: Request, expected: bytes | None) -> bool:
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    given = bearer.strip() if scheme.lower() == "bearer" else request.query_params.get("token", "")
    # Always one comparison of the same cost, whether or not the vendor exists.
    matches = hmac.compare_digest(given.encode(), expected if expected is not None else _DUMMY_TOKEN)
    return matches and expected is not None and bool(given)


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes) -> tuple[str, str | None]:
    if not body.strip():
        return "", "the request body is empty"
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return "", f"the body is not text: byte {error.start} is not UTF-8 (X12 is ASCII)"


def _mdn(request: Request, body: bytes, result: InboundResult, as2_id: str) -> Response:
    """A synchronous, unsigned AS2 receipt (RFC 4130 §7) for what the sender posted."""
    sender = request.headers.get("as2-from", "")
    disposition = "processed/warning: duplicate-document" if result.outcome == "duplicate" else "processed"
    mic = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
    boundary = f"----=_MDN_{uuid.uuid4().hex[:16]}"
    text = f"The interchange was received: {result.outcome}. {result.detail}".strip()
    machine = "\r\n".join(
        [
            f"Reporting-UA: routing-engine; {as2_id}",
            f"Original-Recipient: rfc822; {as2_id}",
            f"Final-Recipient: rfc822; {as2_id}",
            f"Original-Message-ID: {request.headers.get('message-id', '<unknown>')}",
            f"Received-Content-MIC: {mic}, sha256",
            f"Disposition: automatic-action/MDN-sent-automatically; {disposition}",
        ]
    )
    payload = (
        "This is a multi-part message in MIME format.\r\n"
        f"\r\n--{boundary}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{text}\r\n"
        f"\r\n--{boundary}\r\n"
        "Content-Type: message/disposition-notification\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
        f"{machine}\r\n"
        f"\r\n--{boundary}--\r\n"
    )
    headers = {
        "AS2-Version": "1.2",
        "AS2-From": as2_id,
        "AS2-To": sender or "unknown",
        "Message-ID": f"<{uuid.uuid4().hex}@{as2_id.lower()}>",
        "Date": email.utils.formatdate(usegmt=True),
        "MIME-Version": "1.0",
    }
    return Response(
        payload.encode("utf-8"),
        media_type=f'multipart/report; report-type=disposition-notification; boundary="{boundary}"',
        headers=headers,
    )
