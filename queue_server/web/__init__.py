"""The server's web shell: an app factory and one blueprint per audience."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from queue_server.runtime import Runtime


def create_app(runtime: Runtime, *, testing: bool = False) -> Flask:
    """Build the Flask app around an already wired runtime (no globals)."""
    from queue_server.web import api, auth, errors, health, public

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=runtime.config.ensure_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        JSON_AS_ASCII=False,
        TESTING=testing,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.json.ensure_ascii = False
    app.extensions["motcua"] = runtime
    csrf = CSRFProtect(app)
    # the API checks CSRF itself, and only for cookie callers (device tokens need none)
    csrf.exempt(api.blueprint)
    Babel(app)
    auth.init_app(app)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(public.blueprint)
    app.register_blueprint(auth.blueprint)
    errors.init_app(app)
    return app
