"""Access to the runtime from a request, without module-level globals."""

from __future__ import annotations

from flask import current_app

from queue_server.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["motcua"]
