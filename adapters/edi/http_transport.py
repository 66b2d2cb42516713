"""Sending X12 documents by HTTP POST to a vendor's (or a VAN's) endpoint.

2xx is delivered, and the body is kept as the partner's answer (mock-edi answers a JSON summary,
an AS2 gateway an MDN). 4xx is the partner refusing this document or our credentials: sending it
again will not help, except 408 and 429, which say "later". 5xx, a timeout or a broken connection
may pass on a later try. A 3xx is not followed: the configured URL is wrong and a redirect could
drop the credentials, so it fails with the location to configure instead.
"""

from __future__ import annotations

import httpx

from adapters.edi.transport import Delivery, Received

CONTENT_TYPE = "application/edi-x12"
# Kept in a Delivery as the partner's answer; a larger body is cut here (it is logged, not parsed).
_ANSWER_LIMIT = 64 * 1024
_RETRY_LATER = frozenset({408, 429})


class HttpTransport:
    """POSTs each document to `url`; documents *from* the vendor arrive on the inbound route."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        auth_header: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._client = client
        self._url = url
        # The whole Authorization header value ("Bearer …", "Basic …"), as the vendor issued it.
        self._auth_header = auth_header
        self._timeout = timeout

    async def send(self, document: str, *, vendor_id: str, name: str) -> Delivery:
        """POST `document`; the Delivery says delivered, or failed and whether to retry."""
        headers = {"Content-Type": CONTENT_TYPE}
        if self._auth_header is not None:
            headers["Authorization"] = self._auth_header
        where = f"POST {self._url} ({name} for vendor {vendor_id})"
        try:
            response = await self._client.post(
                self._url, content=document.encode("utf-8"), headers=headers, timeout=self._timeout
            )
        except httpx.TimeoutException as error:
            return Delivery.failed(
                vendor_id=vendor_id,
                name=name,
                retryable=True,
                error=f"{where} timed out after {self._timeout:g}s ({type(error).__name__}); try again later",
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            return Delivery.failed(
                vendor_id=vendor_id,
                name=name,
                retryable=False,
                error=f"{where}: the vendor's URL is unusable ({error}); correct it in the vendors file",
            )
        except httpx.TransportError as error:
            return Delivery.failed(
                vendor_id=vendor_id,
                name=name,
                retryable=True,
                error=f"{where} could not reach the partner ({type(error).__name__}: {error}); "
                "try again later",
            )
        return _classify(response, vendor_id=vendor_id, name=name, where=where)

    async def receive(self) -> list[Received]:
        """Nothing to collect: an HTTP vendor pushes its documents to the inbound route."""
        return []

    async def acknowledge(self, received: Received) -> None:
        """Nothing to do: `receive` never hands anything over."""

    async def reject(self, received: Received, why: str) -> None:
        """Nothing to do: `receive` never hands anything over."""


def _classify(response: httpx.Response, *, vendor_id: str, name: str, where: str) -> Delivery:
    status = response.status_code
    answer = response.text[:_ANSWER_LIMIT]
    if 200 <= status < 300:
        return Delivery.succeeded(vendor_id=vendor_id, name=name, answer=answer, status_code=status)
    if 300 <= status < 400:
        location = response.headers.get("location", "(no Location header)")
        error = f"{where} was redirected ({status}) to {location}; configure that URL for the vendor"
        retryable = False
    elif status in _RETRY_LATER or status >= 500:
        error = f"{where}: the partner answered {status}; try again later"
        retryable = True
    else:
        error = f"{where}: the partner refused the document with {status}: {answer[:500]}"
        retryable = False
    return Delivery.failed(
        vendor_id=vendor_id, name=name, error=error, retryable=retryable, answer=answer, status_code=status
    )
