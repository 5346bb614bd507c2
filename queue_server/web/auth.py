"""Logging in and out (Flask-Login sessions, Flask-WTF CSRF on the form)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from queue_server.accounts import authenticate
from queue_server.storage.tables import User
from queue_server.web.context import runtime

blueprint = Blueprint("auth", __name__)


@dataclass
class SessionUser(UserMixin):
    """A detached copy of the account row, safe to keep for the request."""

    id: int
    username: str
    role: str
    full_name: str

    def get_id(self) -> str:
        return str(self.id)


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=200)])


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Vui lòng đăng nhập để tiếp tục."

    @manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        if not user_id.isdigit():
            return None
        with runtime().hall.transaction() as session:
            user = session.get(User, int(user_id))
            if user is None or not user.active:
                return None
            return SessionUser(user.id, user.username, user.role, user.full_name)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("public.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with runtime().hall.transaction() as session:
            user = authenticate(session, form.username.data, form.password.data)
            found = SessionUser(user.id, user.username, user.role, user.full_name) if user else None
        if found is not None:
            login_user(found)
            return redirect(_safe_next(request.args.get("next")))
        flash("Sai tên đăng nhập hoặc mật khẩu.")
        return render_template("login.html", form=form), 401
    return render_template("login.html", form=form)


@blueprint.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("public.index"))
