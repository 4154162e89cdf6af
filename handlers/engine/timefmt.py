"""Times as a member reads them: in their own time zone and language, with the zone named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import UsageError
from core.i18n import DEFAULT_LANGUAGE, local_date, local_datetime
from core.types import echo, fill


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as 'Europe'
        return ZoneInfo("UTC")


def valid_zone(name: str, language: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(
            fill(language, "'{zone}' is not a time zone I know; try e.g. Europe/Lisbon.", zone=echo(name))
        ) from None
    return name


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(zone(timezone))


def when(moment: datetime, timezone: str, language: str) -> str:
    """'Tue 3 Dec 2026, 10:00 CET': the date in the reader's words, then our zone abbreviation
    (CLDR would say 'Central European Standard Time', which no one writes in a chat)."""
    shown = local(moment, timezone)
    return f"{local_datetime(shown, language)} {shown.tzname()}"


def span(starts: datetime, ends: datetime, timezone: str, language: str) -> str:
    start_local, end_local = local(starts, timezone), local(ends, timezone)
    if start_local.date() == end_local.date():
        return f"{when(starts, timezone, language)}–{end_local:%H:%M}"
    return f"{when(starts, timezone, language)} – {when(ends, timezone, language)}"


def day(moment: datetime, timezone: str, language: str) -> str:
    return local_date(local(moment, timezone), language)


def parse_local(text: str, timezone: str, language: str) -> datetime:
    """'2026-12-03 10:00' (or a bare date) in the given zone, as an aware UTC datetime."""
    cleaned = text.strip().replace("T", " ")
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            naive = datetime.strptime(cleaned, pattern)  # noqa: DTZ007 - zone attached below
        except ValueError:
            continue
        return naive.replace(tzinfo=zone(timezone)).astimezone(UTC)
    raise UsageError(
        fill(
            language,
            "'{text}' is not a date I can read; write it as 2026-12-03 or 2026-12-03 10:00.",
            text=echo(text),
        )
    )


def parse_duration(text: str, language: str = DEFAULT_LANGUAGE) -> timedelta:
    """'90m', '2h', '1d', '1h30m'. The language is the reader's; our own offsets never fail."""
    total, number = timedelta(), ""
    units = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
    refusal = UsageError(
        fill(language, "'{text}' is not a duration; write e.g. 90m, 2h or 1d.", text=echo(text))
    )
    for ch in text.strip().lower():
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            raise refusal
    if number or total <= timedelta():
        raise refusal
    return total
