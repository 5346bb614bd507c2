"""Errors: JSON ``{"error": {"code", "message"}}`` on the API, a friendly page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from queue_server.domain.queue_error import QueueError

log = logging.getLogger(__name__)


def api_error(code: str, message: str, status: int, message_en: str | None = None):
    body = {"error": {"code": code, "message": message}}
    if message_en:
        body["error"]["message_en"] = message_en
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz",)


def init_app(app: Flask) -> None:
    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError):
        if _wants_json():
            return api_error(exc.code, exc.message_vi, exc.status, exc.message_en)
        return render_template("error.html", message=exc.message_vi, status=exc.status), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if _wants_json():
            return api_error("csrf", "Thiếu hoặc sai mã CSRF", 400, exc.description)
        return render_template(
            "error.html", message="Phiên làm việc đã hết hạn, vui lòng thử lại.", status=400
        ), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if _wants_json():
            return api_error(code, exc.description or exc.name, exc.code or 500)
        return render_template("error.html", message=exc.description, status=exc.code), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        if _wants_json():
            return api_error("internal", "Lỗi hệ thống, vui lòng thử lại", 500)
        return render_template(
            "error.html", message="Lỗi hệ thống, vui lòng thử lại.", status=500
        ), 500
