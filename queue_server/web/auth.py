"""Logging in and out: Flask-Login sessions, CSRF on the form, a login rate limit,
idle and absolute session timeouts, and the role check every staff page uses."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from queue_server.accounts import authenticate
from queue_server.storage.tables import User
from queue_server.web.context import runtime
from queue_server.web.login_throttle import LoginThrottle

blueprint = Blueprint("auth", __name__)

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=10)
#: requests that do not count as the person being active (a page left open keeps
#: streaming, but that is not someone at the keyboard)
PASSIVE_ENDPOINTS = frozenset(
    {"dashboard.events", "console.events", "console.snapshot", "static"}
)

#: where each role lands after logging in (first endpoint that exists)
HOME_BY_ROLE = {
    "admin": ("dashboard.index", "admin.index"),
    "manager": ("dashboard.index",),
    "officer": ("console.index", "public.index"),
}


@dataclass
class SessionUser(UserMixin):
    """A detached copy of the account row, safe to keep for the request."""

    id: int
    username: str
    role: str
    full_name: str

    def get_id(self) -> str:
        return str(self.id)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


def roles_required(*roles: str) -> Callable:
    """Page guard: log in first (redirect), then the role must be one of ``roles`` (403).

    An admin may open every staff page.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403, description=_("Your account may not open this page."))
            return view(*args, **kwargs)

        return guarded

    return decorate


def home_for(role: str) -> str:
    for endpoint in HOME_BY_ROLE.get(role, ()):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("public.index")


def init_app(app: Flask) -> None:
    app.extensions["login_throttle"] = LoginThrottle()
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to continue.")

    @manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        if not user_id.isdigit():
            return None
        with runtime().hall.read() as db:
            user = db.get(User, int(user_id))
            if user is None or not user.active:
                return None
            return SessionUser(user.id, user.username, user.role, user.full_name)

    @app.before_request
    def _session_timeouts():
        if "_user_id" not in session:
            return None
        now = runtime().hall.now().timestamp()
        started = session.get("login_at", 0)
        seen = session.get("seen_at", 0)
        if (
            now - started > ABSOLUTE_TIMEOUT.total_seconds()
            or now - seen > IDLE_TIMEOUT.total_seconds()
        ):
            logout_user()
            session.pop("login_at", None)
            session.pop("seen_at", None)
            if request.endpoint in PASSIVE_ENDPOINTS or request.path.startswith("/api/"):
                return None  # the view itself answers 401 to a logged-out caller
            flash(_("Your session has ended. Please log in again."))
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if request.endpoint not in PASSIVE_ENDPOINTS:
            session["seen_at"] = now
        return None

    @app.context_processor
    def _staff_navigation():
        return {"staff_links": staff_links}


def staff_links() -> list[tuple[str, str]]:
    """The staff pages the logged-in person may open, as (url, label)."""
    if not current_user.is_authenticated:
        return []
    pages = [
        ("dashboard.index", _("Dashboard"), ("manager",)),
        ("reports.index", _("Reports"), ("manager",)),
        ("console.index", _("Counter console"), ("officer",)),
        ("staff_booking.index", _("Book for a citizen"), ("officer", "manager")),
        ("admin.index", _("Administration"), ()),
    ]
    role = current_user.role
    return [
        (url_for(endpoint), label)
        for endpoint, label, roles in pages
        if endpoint in current_app.view_functions and (role == "admin" or role in roles)
    ]


def _safe_next(target: str | None) -> str | None:
    if target and not urlsplit(target).netloc and target.startswith("/") and "//" not in target:
        return target
    return None


def _too_many(wait_s: float):
    minutes = max(1, math.ceil(wait_s / 60))
    message = ngettext(
        "Too many failed logins. Please wait %(num)d minute and try again.",
        "Too many failed logins. Please wait %(num)d minutes and try again.",
        minutes,
    )
    response = current_app.make_response(
        (render_template("error.html", message=message, status=429), 429)
    )
    response.headers["Retry-After"] = str(math.ceil(wait_s))
    return response


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        key = LoginThrottle.key(form.username.data, request.remote_addr)
        now = runtime().hall.now().timestamp()
        wait = throttle().retry_after(key, now)
        if wait > 0:
            return _too_many(wait)
        with runtime().hall.read() as db:
            user = authenticate(db, form.username.data, form.password.data)
            found = SessionUser(user.id, user.username, user.role, user.full_name) if user else None
        if found is None:
            throttle().failed(key, now)
            wait = throttle().retry_after(key, now)
            if wait > 0:
                return _too_many(wait)
            flash(_("Wrong username or password."))
            return render_template("login.html", form=form), 401
        throttle().succeeded(key)
        language = session.get("lang")
        session.clear()  # a fresh session on login: no fixation of an earlier cookie
        if language:
            session["lang"] = language
        session.permanent = True
        login_user(found)
        session["login_at"] = session["seen_at"] = now
        return redirect(_safe_next(request.args.get("next")) or home_for(found.role))
    return render_template("login.html", form=form)


@blueprint.post("/logout")
@login_required
def logout():
    from queue_server.counter_staffing import leave

    leave(runtime().hall, current_user.id)  # logging out frees the officer's counter
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You have logged out."), "ok")
    return redirect(url_for("auth.login"))
