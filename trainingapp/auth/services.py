"""Accounts: creation, authentication, roles, disabling and passwords. Callers commit.

Passwords never reach the audit log: entries only say that a password was set or changed.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from ..audit.services import changes
from ..audit.services import record
from ..common.errors import DomainError
from ..common.text import clean
from ..common.time import utcnow
from ..extensions import db
from .models import Role
from .models import User
from .passwords import password_problem

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200


class AccountError(DomainError):
    """A rule about accounts refused the change."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    address = normalise_email(email)
    if "\x00" in address:  # no account has one, and PostgreSQL cannot compare it
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == address))


def create_user(
    email: str, password: str, role: Role, *, full_name: str = "", actor: User | None = None
) -> User:
    """Create an account. Raises :class:`AccountError` for a taken e-mail or a short password."""
    email = normalise_email(email)
    if not email or "@" not in email or len(email) > 254:
        raise AccountError(_l("Please enter a valid e-mail address."), "email")
    if find_user(email) is not None:
        raise AccountError(
            _l("An account with the e-mail %(email)s already exists.", email=email), "email"
        )
    _check_new_password(password, email)
    user = User(email=email, full_name=clean(full_name)[:200], role=Role(role))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user, details={"email": email, "role": str(role)})
    return user


def _stand_in() -> User:
    """An account that is nobody's: its password is checked for an unknown address, so that
    signing in costs the same either way and its time tells no one which addresses exist."""
    stand_in = _STAND_IN.get("user")
    if stand_in is None:
        stand_in = User(email="", role=Role.STAFF)
        stand_in.set_password(secrets.token_urlsafe(16))
        _STAND_IN["user"] = stand_in
    return stand_in


_STAND_IN: dict[str, User] = {}


def authenticate(email: str, password: str, *, ip_address: str | None = None) -> User | None:
    """The active user with these credentials, or None. Both outcomes are audited."""
    user = find_user(email)
    if user is None:
        _stand_in().check_password(password)
    if user is None or not user.active or not user.check_password(password):
        record(
            None,
            "auth.login_failed",
            user,
            # as typed, less any NUL (which PostgreSQL cannot store)
            actor_label=normalise_email(email).replace("\x00", "")[:254],
            ip_address=ip_address,
        )
        return None
    user.last_login_at = utcnow()
    record(user, "auth.login", user, ip_address=ip_address)
    return user


def log_out(user: User, *, ip_address: str | None = None) -> None:
    """Sign out everywhere: the account's other browsers and remember cookies too."""
    user.end_sessions()
    record(user, "auth.logout", user, ip_address=ip_address)


def _check_new_password(password: str, email: str, field: str = "password") -> None:
    """Every password set anywhere (CLI, admin create and reset, own change) is checked here."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l(
                "The password must have at least %(count)d characters.",
                count=MIN_PASSWORD_LENGTH,
            ),
            field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            _l(
                "The password is too long (at most %(count)d characters).",
                count=MAX_PASSWORD_LENGTH,
            ),
            field,
        )
    if (problem := password_problem(password, email)) is not None:
        raise AccountError(problem, field)


def list_users(term: str | None = None) -> Select[User]:
    """Accounts for the admin list, searched by e-mail or name; active ones first."""
    query = select(User)
    if term := clean(term).replace("\x00", ""):  # PostgreSQL cannot compare a NUL
        pattern = (
            "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.full_name).like(pattern, escape="\\"),
            )
        )
    return query.order_by(User.active.desc(), User.email)


def update_user(actor: User | None, user: User, *, full_name: str) -> None:
    """Change an account's display name."""
    before = {"full_name": user.full_name}
    user.full_name = clean(full_name)[:200]
    if diff := changes(user, ["full_name"], before):
        record(actor, "user.update", user, details=diff)


def change_role(actor: User | None, user: User, role: Role | str) -> None:
    """Give an account another role. An admin cannot take the admin role from themself."""
    role = Role(role)
    if actor is not None and actor.id == user.id and role != Role.ADMIN:
        raise AccountError(_l("You cannot remove your own admin role."), "role")
    before = {"role": user.role}
    user.role = role
    if diff := changes(user, ["role"], before):
        record(actor, "user.role", user, details=diff)


def set_active(actor: User | None, user: User, active: bool) -> None:
    """Disable (``active=False``) or enable an account. Nobody can disable their own account."""
    if not active and actor is not None and actor.id == user.id:
        raise AccountError(_l("You cannot disable your own account."))
    if user.active == active:
        return
    before = {"active": user.active}
    user.active = active
    if not active:
        user.end_sessions()
    record(
        actor,
        "user.enable" if active else "user.disable",
        user,
        details=changes(user, ["active"], before),
    )


def reset_password(actor: User | None, user: User, password: str) -> None:
    """An admin sets a new password for an account (the owner should then change it)."""
    _check_new_password(password, user.email, "new_password")
    user.set_password(password)
    user.end_sessions()
    record(actor, "user.password_reset", user)


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """The signed-in user changes their password, proving they know the current one."""
    if not user.check_password(current_password):
        raise AccountError(_l("The current password is wrong."), "current_password")
    _check_new_password(new_password, user.email, "new_password")
    if new_password == current_password:
        raise AccountError(
            _l("The new password must be different from the current one."), "new_password"
        )
    user.set_password(new_password)
    user.end_sessions()  # the caller signs this browser in again
    record(user, "user.password_change", user)
