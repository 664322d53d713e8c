"""Pure tests of natero_mail_trigger/tools/schedule.py (SPEC T4), without Odoo."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from conftest import TRIGGER_TOOLS
from hypothesis import given
from hypothesis import strategies as st

schedule = TRIGGER_TOOLS.schedule
OSLO = "Europe/Oslo"
ZONES = ["UTC", OSLO, "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


def test_float_to_minutes():
    assert schedule.float_to_minutes(8.5) == 510
    assert schedule.float_to_minutes(0) == 0
    assert schedule.float_to_minutes(None) == 0
    assert schedule.float_to_minutes(23.999) == 24 * 60 - 1
    assert schedule.float_to_minutes(-3) == 0


def test_occurrence_plain_days():
    # CET in winter, CEST in summer
    assert schedule.occurrence(date(2025, 1, 10), 8 * 60, OSLO) == datetime(
        2025, 1, 10, 7, 0
    )
    assert schedule.occurrence(date(2025, 6, 10), 8 * 60, OSLO) == datetime(
        2025, 6, 10, 6, 0
    )


def test_nonexistent_local_time_moves_forward():
    # 2025-03-30 02:00 CET -> 03:00 CEST: 02:30 does not exist, happens at 03:30
    instant = schedule.occurrence(date(2025, 3, 30), 150, OSLO)
    assert instant == datetime(2025, 3, 30, 1, 30)
    local = instant.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(OSLO))
    assert (local.hour, local.minute) == (3, 30)
    assert schedule.local_day(instant, OSLO) == date(2025, 3, 30)


def test_ambiguous_local_time_takes_first_occurrence():
    # 2025-10-26 03:00 CEST -> 02:00 CET: 02:30 happens twice, first at 00:30 UTC
    instant = schedule.occurrence(date(2025, 10, 26), 150, OSLO)
    assert instant == datetime(2025, 10, 26, 0, 30)


def test_next_occurrence_across_spring_forward():
    after = datetime(2025, 3, 29, 7, 0)  # 08:00 CET on Saturday
    first = schedule.next_occurrence(after, 8 * 60, OSLO)
    assert first == datetime(2025, 3, 30, 6, 0)  # 08:00 CEST on Sunday
    assert first - after == timedelta(hours=23)


def test_next_occurrence_is_strictly_after():
    at = datetime(2025, 1, 10, 7, 0)
    assert schedule.next_occurrence(at, 8 * 60, OSLO) == datetime(2025, 1, 11, 7, 0)
    assert schedule.first_occurrence_from(at, 8 * 60, OSLO) == at


def test_next_occurrence_min_day_skips_days():
    at = datetime(2025, 1, 10, 5, 0)  # before today's 08:00
    assert schedule.next_occurrence(
        at, 8 * 60, OSLO, min_day=date(2025, 1, 11)
    ) == datetime(2025, 1, 11, 7, 0)


def test_last_occurrence():
    at = datetime(2025, 1, 10, 6, 59)  # 07:59 local
    assert schedule.last_occurrence(at, 8 * 60, OSLO) == datetime(2025, 1, 9, 7, 0)
    assert schedule.last_occurrence(
        datetime(2025, 1, 10, 7, 0), 8 * 60, OSLO
    ) == datetime(2025, 1, 10, 7, 0)


def test_run_of_send_later_same_day_and_next_day():
    at = datetime(2025, 1, 10, 7, 5)
    day, gen, send = schedule.run_of(at, 8 * 60, 17 * 60, OSLO)
    assert (day, gen, send) == (
        date(2025, 1, 10),
        datetime(2025, 1, 10, 7, 0),
        datetime(2025, 1, 10, 16, 0),
    )
    day, gen, send = schedule.run_of(at, 8 * 60, 7 * 60, OSLO)
    assert day == date(2025, 1, 10)
    assert send == datetime(2025, 1, 11, 6, 0)
    day, gen, send = schedule.run_of(at, 8 * 60, 8 * 60, OSLO)
    assert gen == send


def test_local_day_and_unknown_zone():
    assert schedule.local_day(datetime(2025, 1, 10, 23, 30), OSLO) == date(2025, 1, 11)
    assert schedule.local_day(datetime(2025, 1, 10, 23, 30), "Not/AZone") == date(
        2025, 1, 10
    )
    assert schedule.local_day(datetime(2025, 1, 10, 23, 30), False) == date(2025, 1, 10)


instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 1, 1))


@given(instants, st.integers(0, 24 * 60 - 1), st.sampled_from(ZONES))
def test_next_occurrence_properties(after, minutes, tz):
    nxt = schedule.next_occurrence(after, minutes, tz)
    assert nxt > after
    # no occurrence is skipped: the one before it is at or before ``after``
    before = nxt - timedelta(microseconds=1)
    assert schedule.last_occurrence(before, minutes, tz) <= after
    # it is the wall time asked for, or later by a DST gap only
    local = nxt.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz))
    shift = local.hour * 60 + local.minute - minutes
    assert 0 <= shift <= 60
    assert nxt - after <= timedelta(hours=26)


@given(instants, st.integers(0, 24 * 60 - 1), st.sampled_from(ZONES))
def test_last_occurrence_properties(at, minutes, tz):
    last = schedule.last_occurrence(at, minutes, tz)
    assert last <= at
    assert schedule.next_occurrence(last, minutes, tz) > at


# ---------------------------------------------------------------- next send (T7)
GEN, SEND = 8 * 60, 10 * 60  # generate 08:00, send 10:00


def test_next_send_is_the_waiting_list_send():
    now = datetime(2026, 3, 27, 8, 0)  # 09:00 CET, list of today generated
    pending = datetime(2026, 3, 27, 9, 0)
    assert schedule.next_send(now, GEN, SEND, OSLO, pending_send_at=pending) == pending


def test_next_send_today_while_ahead_then_next_day():
    # before today's generation: today's 10:00 CET
    before = datetime(2026, 3, 27, 6, 0)
    assert schedule.next_send(
        before, GEN, SEND, OSLO, next_generate_at=datetime(2026, 3, 27, 7, 0)
    ) == datetime(2026, 3, 27, 9, 0)
    # after today's send (next generation tomorrow): tomorrow's 10:00 CET
    after = datetime(2026, 3, 27, 9, 1)
    assert schedule.next_send(
        after, GEN, SEND, OSLO, next_generate_at=datetime(2026, 3, 28, 7, 0)
    ) == datetime(2026, 3, 28, 9, 0)


def test_next_send_across_spring_forward():
    # Saturday 2026-03-28 after the send; Sunday 10:00 is CEST (UTC+2)
    after = datetime(2026, 3, 28, 9, 1)
    nxt = schedule.next_send(
        after, GEN, SEND, OSLO, next_generate_at=datetime(2026, 3, 29, 6, 0)
    )
    assert nxt == datetime(2026, 3, 29, 8, 0)
    assert nxt - datetime(2026, 3, 28, 9, 0) == timedelta(hours=23)
    # without a stored generate instant, from the schedule alone: same answer
    # on both sides of local midnight (23:59 CET Saturday, 00:01 CET Sunday)
    for now in (datetime(2026, 3, 28, 22, 59), datetime(2026, 3, 28, 23, 1)):
        assert schedule.next_send(now, GEN, SEND, OSLO) == datetime(2026, 3, 29, 8, 0)
    # Monday: 10:00 CEST
    monday = schedule.next_send(datetime(2026, 3, 29, 8, 1), GEN, SEND, OSLO)
    assert monday == datetime(2026, 3, 30, 8, 0)


def test_next_send_across_fall_back():
    # Sunday 2026-10-25: 03:00 CEST -> 02:00 CET; send 02:30 takes its first occurrence
    nxt = schedule.next_send(datetime(2026, 10, 24, 12, 0), 2 * 60, 150, OSLO)
    assert nxt == datetime(2026, 10, 25, 0, 30)
    # Monday: 02:30 CET
    assert schedule.next_send(nxt, 2 * 60, 150, OSLO) == datetime(2026, 10, 26, 1, 30)


def test_next_send_send_time_before_generate_time():
    # generate 20:00, send 07:30 the next day; at 06:00 CET without a waiting
    # list nothing is sent today: the next send is tomorrow's
    now = datetime(2026, 1, 9, 5, 0)
    assert schedule.next_send(now, 20 * 60, 450, OSLO) == datetime(2026, 1, 10, 6, 30)
    # generate time passed, list not sent yet: its send tomorrow morning
    evening = datetime(2026, 1, 9, 19, 5)
    assert schedule.next_send(
        evening, 20 * 60, 450, OSLO, pending_send_at=datetime(2026, 1, 10, 6, 30)
    ) == datetime(2026, 1, 10, 6, 30)


def test_next_send_after_generate_time_without_a_list_is_tomorrow():
    # activated at 13:00 CET after today's 08:00 generation: no list today
    now = datetime(2026, 1, 9, 12, 0)
    assert schedule.next_send(now, GEN, SEND, OSLO) == datetime(2026, 1, 10, 9, 0)


def test_next_send_cron_behind():
    # the generate instant of three days ago passed unprocessed: the next run
    # generates today's list, due at today's send instant
    now = datetime(2026, 1, 9, 7, 30)
    assert schedule.next_send(
        now, GEN, SEND, OSLO, next_generate_at=datetime(2026, 1, 6, 7, 0)
    ) == datetime(2026, 1, 9, 9, 0)


@given(instants, st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1))
def test_next_send_properties(now, gen, send):
    for tz in ZONES:
        nxt = schedule.next_send(now, gen, send, tz)
        generate_at = schedule.next_occurrence(now, gen, tz)
        # the send of the next list: at or after its generation, within a day
        assert generate_at <= nxt <= generate_at + timedelta(hours=25)
        assert nxt > now
        # a send occurrence: the send wall time, or later by a DST gap only
        local = nxt.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz))
        assert 0 <= local.hour * 60 + local.minute - send <= 60
