"""Times as the database keeps them (naive UTC) and as every JSON record writes them
(ISO 8601 to the second, with a Z)."""
from __future__ import annotations

from datetime import datetime, timezone


def utc_naive(when: datetime) -> datetime:
    """Times are stored as naive UTC: convert an aware time, keep a naive one (taken as UTC)."""
    return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when


def parse_when(value) -> datetime | None:
    """A filter's date or time (ISO 8601, 'Z' allowed) as naive UTC; None stays None."""
    if value is None or isinstance(value, datetime):
        return value if value is None else utc_naive(value)
    try:
        return utc_naive(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"date: use ISO 8601, e.g. 2026-11-25 or 2026-11-25T09:00 (got {value!r})") from None


def iso_utc(value: datetime | str | None) -> str | None:
    """'YYYY-MM-DDTHH:MM:SSZ' of a stored time, read as a datetime or as text."""
    if not value:
        return None
    if isinstance(value, str):  # read as text: 'YYYY-MM-DD HH:MM:SS[.ffffff]'
        if len(value) >= 19 and value[10] in " T":
            return f"{value[:10]}T{value[11:19]}Z"
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")
