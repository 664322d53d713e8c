# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Daily wall-clock schedules in an IANA time zone (SPEC T4).

All instants given to and returned by this module are naive datetimes in UTC, as
Odoo stores them. A schedule is a local wall time (``HH:MM`` as minutes after
midnight, or Odoo's float hours) that happens once per local day in a zone.

DST rules, as PEP 495 gives them with ``fold=0``:

* a wall time that does not exist that day (spring-forward gap) moves forward by
  the length of the gap (02:30 on the last Sunday of March in Europe/Oslo happens
  at 03:30 CEST);
* a wall time that happens twice that day (autumn fall-back) takes its first
  occurrence.
"""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60


def zone(tz_name):
    """The ZoneInfo of ``tz_name``; UTC when it is empty or unknown."""
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def float_to_minutes(hours):
    """Odoo ``float_time`` hours (8.5 = 08:30) to minutes after midnight.

    Rounded to the minute and clamped to one day.
    """
    minutes = round((hours or 0.0) * 60)
    return min(max(minutes, 0), MINUTES_PER_DAY - 1)


def _to_utc(local):
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def occurrence(day, minutes, tz_name):
    """The UTC instant at which wall time ``minutes`` happens on local ``day``."""
    wall = time(minutes // 60, minutes % 60)
    local = datetime.combine(day, wall).replace(tzinfo=zone(tz_name), fold=0)
    return _to_utc(local)


def local_day(instant, tz_name):
    """The local calendar day of the UTC ``instant`` in ``tz_name``."""
    aware = instant.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone(tz_name)).date()


def next_occurrence(after, minutes, tz_name, min_day=None):
    """The first occurrence strictly after the UTC instant ``after``.

    With ``min_day``, occurrences on local days before ``min_day`` are skipped
    (used so that a day whose list was already generated is not generated again).
    """
    day = local_day(after, tz_name) - timedelta(days=1)
    if min_day is not None and day < min_day:
        day = min_day
    while True:
        instant = occurrence(day, minutes, tz_name)
        if instant > after:
            return instant
        day += timedelta(days=1)


def last_occurrence(at, minutes, tz_name):
    """The latest occurrence at or before the UTC instant ``at``."""
    day = local_day(at, tz_name) + timedelta(days=1)
    while True:
        instant = occurrence(day, minutes, tz_name)
        if instant <= at:
            return instant
        day -= timedelta(days=1)


def first_occurrence_from(start, minutes, tz_name):
    """The first occurrence at or after the UTC instant ``start``."""
    return next_occurrence(start - timedelta(microseconds=1), minutes, tz_name)


def send_at(day, generate_minutes, send_minutes, tz_name):
    """When the list of local ``day`` is sent: the first send occurrence at or
    after that day's generate occurrence (same day when the send time is later,
    else the next day)."""
    generate_at = occurrence(day, generate_minutes, tz_name)
    return first_occurrence_from(generate_at, send_minutes, tz_name)


def run_of(at, generate_minutes, send_minutes, tz_name):
    """The run due at UTC instant ``at``: ``(local day, generate at, send at)``.

    The run's local day is the day of the latest generate occurrence at or before
    ``at``; its list is sent at ``send_at`` of that day.
    """
    generate_at = last_occurrence(at, generate_minutes, tz_name)
    day = local_day(generate_at, tz_name)
    return day, generate_at, send_at(day, generate_minutes, send_minutes, tz_name)


def next_send(
    now,
    generate_minutes,
    send_minutes,
    tz_name,
    next_generate_at=None,
    pending_send_at=None,
):
    """When a trigger sends next (SPEC T7 "next send"), at any time.

    * a list waiting for its send time is sent at ``pending_send_at``;
    * else the next list is the one generated at ``next_generate_at`` (from the
      schedule alone when not given: the first generate occurrence after
      ``now``), sent at :func:`send_at` of its local day;
    * when ``next_generate_at`` has passed (the cron is behind), the next run
      generates the list of the latest generate occurrence at or before ``now``.

    With a send time later than the generate time, this is today's send instant
    while it is ahead and today's list is not sent, else the next day's; a day
    whose generate time passed without a list sends nothing.
    """
    if pending_send_at:
        return pending_send_at
    if next_generate_at is None:
        generate_at = next_occurrence(now, generate_minutes, tz_name)
    elif next_generate_at <= now:
        generate_at = last_occurrence(now, generate_minutes, tz_name)
    else:
        generate_at = next_generate_at
    day = local_day(generate_at, tz_name)
    return send_at(day, generate_minutes, send_minutes, tz_name)
