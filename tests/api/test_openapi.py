"""The OpenAPI document is sound, and documents exactly the routes the router serves."""

from __future__ import annotations

import copy
import re

import pytest
from starlette.routing import Mount, Route

from adapters.api import api_routes
from adapters.api.openapi import openapi_document
from tests.api.conftest import Api
from tests.api.openapi_check import METHODS, problems_of


def routed(mount: Mount) -> set[tuple[str, str]]:
    """(path template, method) of every route; `{x:path}` written as OpenAPI writes it, `{x}`."""
    pairs = set()
    for route in mount.routes:
        assert isinstance(route, Route)
        if not route.include_in_schema:
            continue  # the problem+json answer for paths no route serves
        template = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        pairs |= {(template, method.lower()) for method in route.methods or () if method != "HEAD"}
    return pairs


def documented(document: dict[str, object]) -> set[tuple[str, str]]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {(path, method) for path, item in paths.items() for method in item if method in METHODS}


def test_the_document_passes_the_structural_check() -> None:
    assert problems_of(openapi_document()) == []


def test_the_structural_check_finds_what_a_broken_document_gets_wrong() -> None:
    """The check itself is checked: each kind of mistake is reported with its place."""
    broken = copy.deepcopy(openapi_document())
    broken["openapi"] = "3.0.3"
    decide = broken["paths"]["/stores/{store}/orders/{order_id}/decide"]["post"]
    decide["parameters"] = decide["parameters"][:1]
    decide["responses"]["2xx"] = {"description": "x"}
    decide["operationId"] = "listStores"
    broken["paths"]["/inventory"]["get"]["parameters"][0] = {"$ref": "#/components/parameters/nope"}
    broken["paths"]["/stores"]["get"]["colour"] = "blue"
    broken["security"] = [{"apikey": []}]
    found = "\n".join(problems_of(broken))
    for expected in (
        "openapi: must be 3.1.x",
        "paths./stores/{store}/orders/{order_id}/decide.post: path parameters ['store'] do not match",
        "decide.post.responses.2xx: not a status code",
        "decide.post.operationId: required and unique",
        "'#/components/parameters/nope' does not resolve",
        "paths./stores.get.colour: not a field of this object",
        "security: scheme 'apikey' is not in components.securitySchemes",
    ):
        assert expected in found


def test_every_routed_path_is_documented_and_every_documented_path_is_routed(api: Api) -> None:
    assert routed(api_routes(api.context)) == documented(openapi_document())


async def test_the_served_document_is_the_document(api: Api) -> None:
    served = await api.client.get("/api/v1/openapi.json")
    assert served.json() == openapi_document()


def test_the_document_validates_with_openapi_spec_validator_where_it_is_installed() -> None:
    validator = pytest.importorskip("openapi_spec_validator", reason="dev dependency not installed yet")
    validator.validate(openapi_document())
