"""The OpenAPI 3.1 document of ``/api/v1``, generated from the routes and their types.

Routes declare themselves with ``@documented(...)``; schemas come from the msgspec
types in ``api_schema`` (and the wire contract's ``CounterState``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from queue_server.web.api_schema import ErrorOut

_OPERATIONS: list[Operation] = []


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    request: type | None = None
    responses: dict[int, tuple[str, type | None]] = field(default_factory=dict)
    security: tuple[str, ...] = ()
    parameters: tuple[dict, ...] = ()


def documented(
    method: str,
    path: str,
    summary: str,
    *,
    request: type | None = None,
    responses: dict[int, tuple[str, type | None]] | None = None,
    security: tuple[str, ...] = (),
    parameters: tuple[dict, ...] = (),
) -> Callable:
    """Record a route in the OpenAPI document (``path`` in OpenAPI form: ``{id}``)."""

    def register(view: Callable) -> Callable:
        _OPERATIONS.append(
            Operation(method.lower(), path, summary, request, responses or {}, security, parameters)
        )
        return view

    return register


def header(name: str, required: bool = False, max_length: int | None = None) -> dict:
    schema: dict[str, Any] = {"type": "string"}
    if max_length:
        schema["maxLength"] = max_length
    return {"name": name, "in": "header", "required": required, "schema": schema}


def path_param(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def query(name: str, schema: dict | None = None, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema or {"type": "string"},
    }


def openapi_document() -> dict:
    types: set[type] = {ErrorOut}
    for op in _OPERATIONS:
        if op.request is not None:
            types.add(op.request)
        types.update(t for _, t in op.responses.values() if t is not None)
    ordered = sorted(types, key=lambda t: t.__name__)
    refs, components = msgspec.json.schema_components(
        ordered, ref_template="#/components/schemas/{name}"
    )
    ref_of = dict(zip(ordered, refs, strict=True))

    paths: dict[str, dict] = {}
    for op in _OPERATIONS:
        entry: dict[str, Any] = {"summary": op.summary, "responses": {}}
        if op.parameters:
            entry["parameters"] = list(op.parameters)
        if op.security:
            # an empty name: the route also answers callers without credentials
            entry["security"] = [{name: []} if name else {} for name in op.security]
        if op.request is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref_of[op.request]}},
            }
        for status, (description, kind) in sorted(op.responses.items()):
            response: dict[str, Any] = {"description": description}
            if kind is not None:
                response["content"] = {"application/json": {"schema": ref_of[kind]}}
            entry["responses"][str(status)] = response
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MotCua Queue API",
            "version": "1",
            "description": "Tickets, queue status and counter actions of one hall.",
        },
        "components": {
            "schemas": components,
            "securitySchemes": {
                "device": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a kiosk's device token",
                },
                "integrator": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an integrator's API key (made in /admin); optional",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "an officer's or manager's login",
                },
            },
        },
        "paths": paths,
    }
