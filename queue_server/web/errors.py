"""Errors: JSON ``{"error": {"code", "message"}}`` on the API, a friendly page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from queue_server.domain.queue_error import QueueError

log = logging.getLogger(__name__)


def api_error(
    code: str,
    message: str,
    status: int,
    message_en: str | None = None,
    details: dict | None = None,
    retry_after_s: int | None = None,
):
    body = {"error": {"code": code, "message": message}}
    if message_en:
        body["error"]["message_en"] = message_en
    body["error"].update(details or {})
    response = jsonify(body)
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(max(int(retry_after_s), 1))
    return response, status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz",)


def _page_message(status: int) -> str:
    """A plain, translated sentence for an error page (never the server's internals)."""
    messages = {
        400: _("The request could not be understood. Please go back and try again."),
        401: _("Please log in to continue."),
        403: _("Your account is not allowed to open this page."),
        404: _("This page does not exist."),
        405: _("This page cannot be used that way."),
        413: _("What was sent is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }
    return messages.get(status, _("A system error occurred. Please try again."))


def _in_english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def init_app(app: Flask) -> None:
    @app.errorhandler(QueueError)
    def _queue_error(exc: QueueError):
        if _wants_json():
            return api_error(exc.code, exc.message_vi, exc.status, exc.message_en, exc.details,
                             exc.retry_after_s)
        message = exc.message_en if _in_english() else exc.message_vi
        return render_template("error.html", message=message, status=exc.status), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if _wants_json():
            return api_error("csrf", "Thiếu hoặc sai mã CSRF", 400, exc.description)
        return render_template(
            "error.html", message=_("The form has expired, please try again."), status=400
        ), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if _wants_json():
            return api_error(code, exc.description or exc.name, exc.code or 500)
        status = exc.code or 500
        return render_template("error.html", message=_page_message(status), status=status), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        if _wants_json():
            return api_error("internal", "Lỗi hệ thống, vui lòng thử lại", 500)
        return render_template(
            "error.html", message=_("A system error occurred. Please try again."), status=500
        ), 500
