"""The server's web shell: an app factory and one blueprint per audience."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from queue_server.runtime import Runtime


def create_app(runtime: Runtime, *, testing: bool = False) -> Flask:
    """Build the Flask app around an already wired runtime (no globals)."""
    from queue_server.web import (
        admin,
        admin_webhooks,
        api,
        auth,
        booking,
        booking_throttle,
        console,
        dashboard,
        errors,
        health,
        i18n,
        live_events,
        public,
        reports,
        staffing,
        stats_api,
    )

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=runtime.config.ensure_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        WTF_CSRF_TIME_LIMIT=None,  # the session timeouts bound a token's life already
        JSON_AS_ASCII=False,
        TESTING=testing,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.json.ensure_ascii = False
    app.extensions["motcua"] = runtime
    csrf = CSRFProtect(app)
    # the API checks CSRF itself, and only for cookie callers (device tokens need none)
    csrf.exempt(api.blueprint)
    i18n.init_app(app)
    auth.init_app(app)
    booking_throttle.init_app(app)
    live_events.init_app(app)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(public.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(dashboard.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(admin_webhooks.blueprint)
    app.register_blueprint(reports.blueprint)
    app.register_blueprint(stats_api.blueprint)
    app.register_blueprint(staffing.blueprint)
    app.register_blueprint(console.blueprint)
    app.register_blueprint(booking.blueprint)
    app.register_blueprint(booking.staff_blueprint)
    errors.init_app(app)
    return app
