"""Whatever a caller sends, the API answers a clear 4xx problem (or a 2xx), never a 5xx."""

from __future__ import annotations

import random
from urllib.parse import quote

from tests.api.conftest import COORDINATOR, EU_ONLY, US, Api, bearer

ODD = [
    "",
    " ",
    "%00",
    "%FF%FE",
    "..",
    "%2e%2e%2f%2e%2e",
    "9" * 40,
    "2147483648",
    "-1",
    "1e3",
    "١٢٣",  # digits, but not ASCII ones
    "x" * 5000,
    "gid%3A%2F%2Fshopify%2FOrder%2F",
    "' OR 1=1 --",
    "%F0%9F%9A%9A",
    "null",
]


def odd_values(seed: int, count: int) -> list[str]:
    """The fixed odd values, then `count` random ones (percent-encoded bytes and text), seeded."""
    rng = random.Random(seed)
    generated = []
    for _ in range(count):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        generated.append(quote(raw, safe=""))
    return ODD + generated


def paths_for(value: str) -> list[tuple[str, str]]:
    return [
        ("GET", f"/api/v1/stores/{value}/orders/5001/decisions"),
        ("GET", f"/api/v1/stores/{US}/orders/{value}/decisions"),
        ("POST", f"/api/v1/stores/{US}/orders/{value}/decide"),
        ("GET", f"/api/v1/stores/{US}/deliveries/{value}"),
        ("GET", f"/api/v1/inventory?sku={value}"),
        ("GET", f"/api/v1/dead-letters?limit={value}"),
        ("GET", f"/api/v1/dead-letters?store={value}"),
        ("POST", f"/api/v1/dead-letters/{value}/retry"),
        ("GET", f"/api/v1/stores/{value}/handoffs"),
        ("GET", f"/api/v1/stores/{US}/handoffs?status={value}"),
        ("GET", f"/api/v1/stores/{US}/handoffs?limit={value}"),
        ("GET", f"/api/v1/handoffs/{value}"),
        ("POST", f"/api/v1/handoffs/{value}/complete"),
        ("POST", f"/api/v1/handoffs/{value}/fail"),
    ]


async def test_odd_path_and_query_values_never_get_a_5xx(api: Api) -> None:
    for value in odd_values(seed=5, count=40):
        for method, path in paths_for(value):
            for token in (COORDINATOR, EU_ONLY):
                answer = await api.client.request(method, path, headers=bearer(token))
                assert answer.status_code < 500, (method, path, answer.text)
                if answer.status_code >= 400:
                    assert answer.headers["content-type"] == "application/problem+json", (method, path)
                    problem = answer.json()
                    assert problem["detail"] and problem["where"] and problem["fix"], (method, path)


async def test_odd_authorization_headers_are_all_the_same_401(api: Api) -> None:
    headers: list[dict[bytes, bytes]] = [
        {b"Authorization": value.encode("latin-1")}
        for value in ("Bearer", "Bearer  ", "bearer x", "Token abc", "Bearer \t", "Bearer " + "a" * 10000)
    ]
    headers.append({b"Authorization": "Bearer café-token-0123456789abcdef0123456789".encode("latin-1")})
    answers = [await api.client.get("/api/v1/stores", headers=h) for h in headers]
    assert {answer.status_code for answer in answers} == {401}
    assert len({answer.text for answer in answers}) == 1


async def test_a_path_no_route_serves_is_a_problem_404_pointing_at_the_openapi_document(api: Api) -> None:
    answer = await api.client.get("/api/v1/handoffs", headers=bearer(COORDINATOR))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["fix"] == "see /api/v1/openapi.json for the routes"


async def test_a_method_a_route_does_not_take_is_a_problem_405_naming_the_methods_it_does(api: Api) -> None:
    answer = await api.client.delete("/api/v1/dead-letters", headers=bearer(COORDINATOR))
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD" and answer.json()["fix"] == "use GET or HEAD"
