"""POST /edi/inbound/{vendor_id} over a real loopback socket: who may send, what is refused and
how, and what the handler's verdict looks like to the sender."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from adapters.edi.inbound import InboundResult, inbound_routes
from adapters.loopback import serve_on_loopback

ORDER = (Path(__file__).parents[2] / "fixtures/edi/transport-acme-purchase-order-1042.x12").read_text()
TOKENS: dict[str, str | SecretStr] = {"acme": SecretStr("acme-secret"), "globex": "globex-secret"}


class RecordingHandler:
    """The orchestration's stand-in: records each document; a control number seen twice is a duplicate."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = False

    async def __call__(self, vendor_id: str, text: str) -> InboundResult:
        if self.fail:
            raise ConnectionError("the database is down")
        control = text[90:99]
        seen = any(previous[90:99] == control for _, previous in self.calls)
        self.calls.append((vendor_id, text))
        if seen:
            return InboundResult("duplicate", f"interchange {control} was already received")
        return InboundResult("accepted")


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
async def client(handler: RecordingHandler) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=inbound_routes(handler, TOKENS, max_bytes=2_000))
    async with serve_on_loopback(app) as url, httpx.AsyncClient(base_url=url) as http:
        yield http


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_vendor_with_its_token_gets_its_document_to_the_handler(
    client: httpx.AsyncClient, handler: RecordingHandler
) -> None:
    answer = await client.post("/edi/inbound/acme", content=ORDER, headers=bearer("acme-secret"))

    assert answer.status_code == 200
    assert answer.json() == {
        "outcome": "accepted",
        "detail": "",
        "vendor": "acme",
        "interchange": "000000101",
        "sender": "ACME",
    }
    assert handler.calls == [("acme", ORDER)]


async def test_the_token_may_come_in_the_url_for_senders_that_cannot_set_a_header(
    client: httpx.AsyncClient, handler: RecordingHandler
) -> None:
    answer = await client.post("/edi/inbound/globex?token=globex-secret", content=ORDER)

    assert answer.status_code == 200 and handler.calls == [("globex", ORDER)]


async def test_the_same_interchange_twice_is_answered_as_a_duplicate(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        answer = await client.post("/edi/inbound/acme", content=ORDER, headers=bearer("acme-secret"))

    assert answer.status_code == 200
    assert answer.json()["outcome"] == "duplicate"
    assert answer.json()["detail"] == "interchange 000000101 was already received"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/edi/inbound/acme", {}),
        ("/edi/inbound/acme", bearer("globex-secret")),
        ("/edi/inbound/acme", {"Authorization": "Bearer"}),
        ("/edi/inbound/acme?token=wrong", {}),
        ("/edi/inbound/acme", {"Authorization": "Basic YWNtZTphY21lLXNlY3JldA=="}),
        ("/edi/inbound/initech", bearer("acme-secret")),
        ("/edi/inbound/initech", {}),
    ],
    ids=[
        "no-token",
        "another-vendors-token",
        "empty-bearer",
        "wrong-url-token",
        "basic-auth",
        "unknown-vendor-with-a-real-token",
        "unknown-vendor-without-token",
    ],
)
async def test_a_stranger_gets_the_same_401_whatever_was_wrong(
    client: httpx.AsyncClient, handler: RecordingHandler, path: str, headers: dict[str, str]
) -> None:
    answer = await client.post(path, content=ORDER, headers=headers)

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json() == {
        "error": "unauthorized: send the token agreed with this vendor as 'Authorization: Bearer <token>' "
        "or as ?token=<token> in the URL"
    }
    assert handler.calls == []


async def test_a_document_over_the_size_limit_is_413(
    client: httpx.AsyncClient, handler: RecordingHandler
) -> None:
    answer = await client.post("/edi/inbound/acme", content=ORDER * 10, headers=bearer("acme-secret"))

    assert answer.status_code == 413
    assert answer.json() == {
        "error": "the document is larger than 2000 bytes; send one interchange per request"
    }
    assert handler.calls == []


async def test_a_chunked_upload_over_the_size_limit_is_413(
    client: httpx.AsyncClient, handler: RecordingHandler
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield ORDER.encode()

    answer = await client.post("/edi/inbound/acme", content=chunks(), headers=bearer("acme-secret"))

    assert answer.status_code == 413 and handler.calls == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "the request body is empty"),
        (
            b'{"order": 1042}',
            "not an X12 interchange: it must begin with 'ISA', it begins with '{\"order\": 1042}'",
        ),
        (
            b"ISA*00*short~",
            "not an X12 interchange: the ISA header is 106 characters, the document has only 13",
        ),
        (
            ORDER.replace("000000101", "00000010X").encode(),
            "ISA13 (the interchange control number) must be 9",
        ),
        (b"ISA\xff" + ORDER[4:].encode(), "the body is not text: byte 3 is not UTF-8"),
    ],
    ids=["empty", "json", "truncated-isa", "letter-in-isa13", "binary"],
)
async def test_a_body_that_is_not_x12_is_400_saying_what_is_wrong(
    client: httpx.AsyncClient, handler: RecordingHandler, body: bytes, message: str
) -> None:
    answer = await client.post("/edi/inbound/acme", content=body, headers=bearer("acme-secret"))

    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert answer.json()["error"].endswith("Send one X12 interchange (ISA … IEA) as the request body.")
    assert handler.calls == []


async def test_a_handler_that_fails_answers_503_so_the_sender_keeps_the_document(
    client: httpx.AsyncClient, handler: RecordingHandler
) -> None:
    handler.fail = True

    answer = await client.post("/edi/inbound/acme", content=ORDER, headers=bearer("acme-secret"))

    assert answer.status_code == 503 and answer.headers["retry-after"] == "60"
    assert answer.json() == {"error": "the document could not be recorded now; send it again later"}


async def test_an_as2_sender_asking_for_a_receipt_gets_an_unsigned_mdn(client: httpx.AsyncClient) -> None:
    headers = {
        "AS2-From": "MOCKEDI",
        "AS2-To": "ACME",
        "Message-ID": "<855-1042@mockedi>",
        "Disposition-Notification-To": "MOCKEDI",
        "Content-Type": "application/edi-x12",
    }
    answer = await client.post("/edi/inbound/acme?token=acme-secret", content=ORDER, headers=headers)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("multipart/report; report-type=disposition-notification")
    assert answer.headers["as2-to"] == "MOCKEDI"
    assert "Original-Message-ID: <855-1042@mockedi>" in answer.text
    assert "Disposition: automatic-action/MDN-sent-automatically; processed\r\n" in answer.text
    assert "Received-Content-MIC: " in answer.text and ", sha256" in answer.text
    assert not answer.text.startswith("{")  # the receipt replaces the JSON answer
