"""The OpenAPI 3.1 description of ``/api/v1`` served at ``/api/v1/openapi.json``."""

from __future__ import annotations

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "message_en": {"type": "string"},
            },
        }
    },
}

_TICKET = {
    "type": "object",
    "required": ["id", "number", "service", "issued_at", "ahead", "estimated_wait_s", "status_url"],
    "properties": {
        "id": {"type": "string"},
        "number": {"type": "string", "example": "A012"},
        "service": {"type": "string"},
        "service_name_vi": {"type": "string"},
        "service_name_en": {"type": "string"},
        "site_name": {"type": "string"},
        "priority": {"type": "boolean"},
        "status": {
            "type": "string",
            "enum": [
                "waiting",
                "called",
                "serving",
                "done",
                "no_show",
                "transferred",
                "cancelled",
                "expired",
            ],
        },
        "issued_at": {"type": "string", "format": "date-time"},
        "called_at": {"type": ["string", "null"], "format": "date-time"},
        "counter": {"type": ["string", "null"]},
        "ahead": {"type": "integer", "minimum": 0},
        "estimated_wait_s": {"type": "integer", "minimum": 0},
        "status_url": {"type": "string", "format": "uri"},
    },
}


def _errors(*codes: int) -> dict:
    return {
        str(c): {"description": "error", "content": {"application/json": {"schema": _ERROR}}}
        for c in codes
    }


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "MotCua Queue API", "version": "1"},
        "components": {
            "securitySchemes": {
                "device": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            }
        },
        "paths": {
            "/api/v1/services": {
                "get": {
                    "summary": "Services (fields) with open state, waiting count, estimated wait",
                    "responses": {"200": {"description": "site and services"}},
                }
            },
            "/api/v1/tickets": {
                "post": {
                    "summary": "Take a ticket (kiosk device token)",
                    "security": [{"device": []}, {"session": []}],
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "schema": {"type": "string", "maxLength": 128},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["service"],
                                    "properties": {
                                        "service": {"type": "string"},
                                        "priority": {"type": "boolean"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "issued",
                            "content": {"application/json": {"schema": _TICKET}},
                        },
                        "200": {
                            "description": "the ticket already issued for this key",
                            "content": {"application/json": {"schema": _TICKET}},
                        },
                        **_errors(400, 401, 404, 409),
                    },
                }
            },
            "/api/v1/tickets/{id}": {
                "get": {
                    "summary": "One ticket's status, position and estimated wait",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ticket",
                            "content": {"application/json": {"schema": _TICKET}},
                        },
                        **_errors(404),
                    },
                }
            },
            "/api/v1/counters/{counter}/{action}": {
                "post": {
                    "summary": "An officer's action at a counter (same as the MQTT command)",
                    "security": [{"session": []}],
                    "parameters": [
                        {
                            "name": "counter",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {
                                "type": "string",
                                "enum": [
                                    "next",
                                    "recall",
                                    "skip",
                                    "complete",
                                    "transfer",
                                    "pause",
                                    "resume",
                                    "rate",
                                ],
                            },
                        },
                        {
                            "name": "X-CSRFToken",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {"description": "the counter's state"},
                        **_errors(400, 401, 403, 404, 409),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness with database and broker state",
                    "responses": {"200": {"description": "ok"}, "503": {"description": "degraded"}},
                }
            },
        },
    }
