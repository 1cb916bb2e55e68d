"""Journal values to and from JSON (exports, imports, ``history --json``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Date, DateTime

EXPORT_FORMAT = "backcoach-journal"


def to_json_value(value: Any) -> Any:
    """Datetimes become ISO 8601 strings in UTC, dates ISO dates; the rest is already JSON."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, list):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    return value


def from_json_value(column: Column[Any], value: Any) -> Any:
    """The inverse of :func:`to_json_value` for one column of a table."""
    if value is None:
        return None
    if isinstance(column.type, DateTime) or isinstance(
        getattr(column.type, "impl", None), DateTime
    ):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value
