"""A strict structural check of an OpenAPI 3.1 document, without a JSON-schema validator.

It checks what a client generator relies on: the fields each object may have, that every `$ref`
resolves, that operation ids are unique, that each `{param}` of a path is declared as a required
path parameter (and no other), that responses have descriptions and valid status keys, and that
security requirements name declared schemes. It returns every problem found, each with its place.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOP = {
    "openapi",
    "info",
    "jsonSchemaDialect",
    "servers",
    "paths",
    "webhooks",
    "components",
    "security",
    "tags",
}
_TOP |= {"externalDocs"}
_PATH_ITEM = {"summary", "description", "servers", "parameters", "$ref"}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_OPERATION = {"tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody"}
_OPERATION |= {"responses", "callbacks", "deprecated", "security", "servers"}
_PARAMETER = {"name", "in", "description", "required", "deprecated", "allowEmptyValue", "style", "explode"}
_PARAMETER |= {"allowReserved", "schema", "example", "examples", "content"}
_RESPONSE = {"description", "headers", "content", "links"}
_COMPONENTS = {"schemas", "responses", "parameters", "examples", "requestBodies", "headers"}
_COMPONENTS |= {"securitySchemes", "links", "callbacks", "pathItems"}
_STATUS = re.compile(r"^([1-5][0-9][0-9]|[1-5]XX|default)$")
_TEMPLATE = re.compile(r"\{([^}]+)\}")


def problems_of(document: dict[str, Any]) -> list[str]:
    """Every structural problem of `document`, each as `<place>: <what>`; empty when it is sound."""
    found: list[str] = []
    try:
        json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return [f"document: not JSON ({exc})"]
    _keys(found, "document", document, _TOP)
    if not re.match(r"^3\.1\.\d+$", str(document.get("openapi"))):
        found.append("openapi: must be 3.1.x")
    info = document.get("info", {})
    for key in ("title", "version"):
        if not isinstance(info.get(key), str) or not info[key]:
            found.append(f"info.{key}: required string")
    schemes = set(document.get("components", {}).get("securitySchemes", {}))
    _keys(found, "components", document.get("components", {}), _COMPONENTS)
    _security(found, "security", document.get("security", []), schemes)
    operation_ids: set[str] = set()
    paths = document.get("paths")
    if not isinstance(paths, dict) or not paths:
        found.append("paths: required, not empty")
        paths = {}
    for path, item in paths.items():
        _path_item(found, document, path, item, schemes, operation_ids)
    _refs(found, document, document, "document")
    return found


def _path_item(
    found: list[str], document: dict[str, Any], path: str, item: Any, schemes: set[str], ids: set[str]
) -> None:
    where = f"paths.{path}"
    if not path.startswith("/"):
        found.append(f"{where}: a path starts with /")
    if not isinstance(item, dict):
        found.append(f"{where}: must be an object")
        return
    _keys(found, where, item, _PATH_ITEM | METHODS)
    templated = set(_TEMPLATE.findall(path))
    for method in METHODS & set(item):
        operation = item[method]
        at = f"{where}.{method}"
        _keys(found, at, operation, _OPERATION)
        operation_id = operation.get("operationId")
        if not isinstance(operation_id, str) or operation_id in ids:
            found.append(f"{at}.operationId: required and unique (got {operation_id!r})")
        else:
            ids.add(operation_id)
        declared = set()
        for index, parameter in enumerate([*item.get("parameters", []), *operation.get("parameters", [])]):
            resolved = _resolve(document, parameter) if "$ref" in parameter else parameter
            if resolved is None:
                continue  # reported by _refs
            _parameter(found, f"{at}.parameters[{index}]", resolved)
            if resolved.get("in") == "path":
                declared.add(resolved.get("name"))
        if declared != templated:
            found.append(
                f"{at}: path parameters {sorted(declared)} do not match the template {sorted(templated)}"
            )
        responses = operation.get("responses")
        if not isinstance(responses, dict) or not responses:
            found.append(f"{at}.responses: required, not empty")
            continue
        for status, response in responses.items():
            if not _STATUS.match(status):
                found.append(f"{at}.responses.{status}: not a status code, nXX or default")
            resolved = _resolve(document, response) if "$ref" in response else response
            if resolved is not None:
                _keys(found, f"{at}.responses.{status}", resolved, _RESPONSE)
                if not isinstance(resolved.get("description"), str):
                    found.append(f"{at}.responses.{status}.description: required string")
        if "security" in operation:
            _security(found, f"{at}.security", operation["security"], schemes)


def _parameter(found: list[str], where: str, parameter: dict[str, Any]) -> None:
    _keys(found, where, parameter, _PARAMETER)
    if not isinstance(parameter.get("name"), str):
        found.append(f"{where}.name: required string")
    if parameter.get("in") not in {"query", "header", "path", "cookie"}:
        found.append(f"{where}.in: one of query, header, path, cookie")
    if parameter.get("in") == "path" and parameter.get("required") is not True:
        found.append(f"{where}.required: a path parameter must be required: true")
    if ("schema" in parameter) == ("content" in parameter):
        found.append(f"{where}: exactly one of schema and content")


def _security(found: list[str], where: str, requirements: Any, schemes: set[str]) -> None:
    if not isinstance(requirements, list):
        found.append(f"{where}: must be a list")
        return
    for requirement in requirements:
        for name in requirement:
            if name not in schemes:
                found.append(f"{where}: scheme {name!r} is not in components.securitySchemes")


def _keys(found: list[str], where: str, value: Any, allowed: set[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{where}: must be an object")
        return
    for key in value:
        if key not in allowed and not key.startswith("x-"):
            found.append(f"{where}.{key}: not a field of this object")


def _resolve(document: dict[str, Any], holder: dict[str, Any]) -> Any:
    reference = holder["$ref"]
    if not isinstance(reference, str) or not reference.startswith("#/"):
        return None
    node: Any = document
    for part in reference[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _refs(found: list[str], document: dict[str, Any], node: Any, where: str) -> None:
    if isinstance(node, dict):
        if "$ref" in node and _resolve(document, node) is None:
            found.append(f"{where}.$ref: {node['$ref']!r} does not resolve")
        for key, value in node.items():
            _refs(found, document, value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _refs(found, document, value, f"{where}[{index}]")
