"""Helpers for string enums stored as text columns guarded by a CHECK constraint."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


def check_in(column: str, enum: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """``CHECK (column IN (...))`` listing every member of ``enum``."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=name or f"{column}_valid")


class EnumText(TypeDecorator[StrEnum]):
    """Stores a StrEnum as its value and loads it back as the enum member."""

    impl = String(20)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: StrEnum | str | None, dialect: object) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: object) -> StrEnum | None:
        return None if value is None else self.enum(value)
