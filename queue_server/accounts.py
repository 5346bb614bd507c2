"""Officer, manager and admin accounts: hashed passwords, no default password anywhere."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from queue_server.storage.tables import User

ROLES = ("admin", "manager", "officer")
MIN_PASSWORD = 8


class AccountError(ValueError):
    pass


def create_user(
    session: Session, username: str, password: str, role: str, full_name: str = ""
) -> User:
    """Create an account, or reset the password and role of an existing one."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("username must be 1-64 characters")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, role=role, full_name=full_name, active=True)
        session.add(user)
    user.role = role
    user.password_hash = generate_password_hash(password)
    if full_name:
        user.full_name = full_name
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user
