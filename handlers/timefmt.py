"""Times as a member reads them: in their own time zone, with the zone named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.errors import UsageError


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def valid_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"'{name}' is not a time zone I know; try e.g. Europe/Lisbon.") from None
    return name


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(zone(timezone))


def when(moment: datetime, timezone: str) -> str:
    """'Tue 3 Dec 2026, 10:00 CET'."""
    shown = local(moment, timezone)
    return f"{shown:%a} {shown.day} {shown:%b %Y, %H:%M} {shown.tzname()}"


def span(starts: datetime, ends: datetime, timezone: str) -> str:
    start_local, end_local = local(starts, timezone), local(ends, timezone)
    if start_local.date() == end_local.date():
        return f"{when(starts, timezone)}–{end_local:%H:%M}"
    return f"{when(starts, timezone)} – {when(ends, timezone)}"


def day(moment: datetime, timezone: str) -> str:
    shown = local(moment, timezone)
    return f"{shown.day} {shown:%b %Y}"


def parse_local(text: str, timezone: str) -> datetime:
    """'2026-12-03 10:00' (or a bare date) in the given zone, as an aware UTC datetime."""
    cleaned = text.strip().replace("T", " ")
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            naive = datetime.strptime(cleaned, pattern)  # noqa: DTZ007 - zone attached below
        except ValueError:
            continue
        return naive.replace(tzinfo=zone(timezone)).astimezone(UTC)
    raise UsageError(f"'{text}' is not a date I can read; write it as 2026-12-03 or 2026-12-03 10:00.")


def parse_duration(text: str) -> timedelta:
    """'90m', '2h', '1d', '1h30m'."""
    total, number = timedelta(), ""
    units = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
    for ch in text.strip().lower():
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            raise UsageError(f"'{text}' is not a duration; write e.g. 90m, 2h or 1d.")
    if number or total <= timedelta():
        raise UsageError(f"'{text}' is not a duration; write e.g. 90m, 2h or 1d.")
    return total
