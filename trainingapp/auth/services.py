"""Accounts: creation and authentication. Callers commit."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from ..audit.services import record
from ..common.time import utcnow
from ..extensions import db
from .models import Role
from .models import User

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    email: str, password: str, role: Role, *, full_name: str = "", actor: User | None = None
) -> User:
    """Create an account. Raises :class:`AccountError` for a taken e-mail or a short password."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError("invalid e-mail")
    if find_user(email) is not None:
        raise AccountError(f"an account with e-mail {email} already exists")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user = User(email=email, full_name=full_name, role=Role(role))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user, details={"email": email, "role": str(role)})
    return user


def authenticate(email: str, password: str, *, ip_address: str | None = None) -> User | None:
    """The active user with these credentials, or None. Both outcomes are audited."""
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        record(
            None,
            "auth.login_failed",
            user,
            actor_label=normalise_email(email)[:254],
            ip_address=ip_address,
        )
        return None
    user.last_login_at = utcnow()
    record(user, "auth.login", user, ip_address=ip_address)
    return user


def log_out(user: User, *, ip_address: str | None = None) -> None:
    record(user, "auth.logout", user, ip_address=ip_address)
