"""Quota arithmetic: quota days, resets, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.drawing.quota import QuotaStatus, limit_for, next_reset, quota_day

UTC_ZONE = ZoneInfo("UTC")
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")


def ts(*args: int) -> float:
    """A unix time from a UTC calendar moment."""
    return datetime(*args, tzinfo=UTC).timestamp()


def test_quota_day_utc_last_second_of_the_day() -> None:
    assert quota_day(ts(2024, 5, 1, 23, 59, 59), UTC_ZONE) == "2024-05-01"


def test_quota_day_utc_first_second_of_the_next_day() -> None:
    assert quota_day(ts(2024, 5, 2, 0, 0, 0), UTC_ZONE) == "2024-05-02"


def test_quota_day_utc_fraction_before_midnight() -> None:
    assert quota_day(ts(2024, 5, 2) - 0.001, UTC_ZONE) == "2024-05-01"


def test_quota_day_new_year_boundary() -> None:
    assert quota_day(ts(2023, 12, 31, 23, 59, 59), UTC_ZONE) == "2023-12-31"
    assert quota_day(ts(2024, 1, 1), UTC_ZONE) == "2024-01-01"


def test_quota_day_in_moscow_turns_three_hours_before_utc() -> None:
    # Moscow is UTC+3 all year: 21:00 UTC is local midnight.
    assert quota_day(ts(2024, 5, 1, 20, 59, 59), MOSCOW) == "2024-05-01"
    assert quota_day(ts(2024, 5, 1, 21, 0, 0), MOSCOW) == "2024-05-02"
    # The same instant is still the old day in UTC.
    assert quota_day(ts(2024, 5, 1, 21, 0, 0), UTC_ZONE) == "2024-05-01"


def test_quota_day_in_new_york_winter_and_summer() -> None:
    # EST (UTC-5) in January, EDT (UTC-4) in July.
    assert quota_day(ts(2024, 1, 15, 4, 59, 59), NEW_YORK) == "2024-01-14"
    assert quota_day(ts(2024, 1, 15, 5, 0, 0), NEW_YORK) == "2024-01-15"
    assert quota_day(ts(2024, 7, 15, 3, 59, 59), NEW_YORK) == "2024-07-14"
    assert quota_day(ts(2024, 7, 15, 4, 0, 0), NEW_YORK) == "2024-07-15"


def test_quota_day_on_new_york_spring_forward_day() -> None:
    # 2024-03-10: clocks jump 02:00 EST -> 03:00 EDT. Midnight before is 05:00 UTC,
    # the next midnight is 04:00 UTC on the 11th.
    assert quota_day(ts(2024, 3, 10, 4, 59, 59), NEW_YORK) == "2024-03-09"
    assert quota_day(ts(2024, 3, 10, 5, 0, 0), NEW_YORK) == "2024-03-10"
    assert quota_day(ts(2024, 3, 10, 7, 30, 0), NEW_YORK) == "2024-03-10"  # 03:30 EDT
    assert quota_day(ts(2024, 3, 11, 3, 59, 59), NEW_YORK) == "2024-03-10"
    assert quota_day(ts(2024, 3, 11, 4, 0, 0), NEW_YORK) == "2024-03-11"


def test_quota_day_on_new_york_fall_back_day() -> None:
    # 2024-11-03: clocks go 02:00 EDT -> 01:00 EST; 01:30 happens twice, both on the 3rd.
    assert quota_day(ts(2024, 11, 3, 5, 30), NEW_YORK) == "2024-11-03"  # 01:30 EDT
    assert quota_day(ts(2024, 11, 3, 6, 30), NEW_YORK) == "2024-11-03"  # 01:30 EST
    assert quota_day(ts(2024, 11, 4, 4, 59, 59), NEW_YORK) == "2024-11-03"
    assert quota_day(ts(2024, 11, 4, 5, 0, 0), NEW_YORK) == "2024-11-04"


def test_next_reset_utc() -> None:
    reset = next_reset(ts(2024, 5, 1, 13, 45), UTC_ZONE)
    assert reset.timestamp() == ts(2024, 5, 2)
    assert reset.tzinfo is not None


def test_next_reset_exactly_at_midnight_is_the_following_midnight() -> None:
    now = ts(2024, 5, 2)
    assert next_reset(now, UTC_ZONE).timestamp() == ts(2024, 5, 3)


def test_next_reset_one_second_before_midnight() -> None:
    now = ts(2024, 5, 1, 23, 59, 59)
    assert next_reset(now, UTC_ZONE).timestamp() == ts(2024, 5, 2)


def test_next_reset_in_moscow_is_21_utc() -> None:
    reset = next_reset(ts(2024, 5, 1, 12), MOSCOW)
    assert reset.timestamp() == ts(2024, 5, 1, 21)
    local = reset.astimezone(MOSCOW)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    # After Moscow's midnight, the reset moves a day on.
    assert next_reset(ts(2024, 5, 1, 21), MOSCOW).timestamp() == ts(2024, 5, 2, 21)


def test_next_reset_on_spring_forward_day_is_23_hours_after_midnight() -> None:
    local_midnight = ts(2024, 3, 10, 5)  # 00:00 EST
    reset = next_reset(local_midnight + 60, NEW_YORK)
    assert reset.timestamp() == ts(2024, 3, 11, 4)  # 00:00 EDT
    assert reset.timestamp() - local_midnight == timedelta(hours=23).total_seconds()


def test_next_reset_on_fall_back_day_is_25_hours_after_midnight() -> None:
    local_midnight = ts(2024, 11, 3, 4)  # 00:00 EDT
    reset = next_reset(local_midnight + 60, NEW_YORK)
    assert reset.timestamp() == ts(2024, 11, 4, 5)  # 00:00 EST
    assert reset.timestamp() - local_midnight == timedelta(hours=25).total_seconds()


@pytest.mark.parametrize("zone", [UTC_ZONE, MOSCOW, NEW_YORK], ids=str)
def test_next_reset_is_always_the_next_local_midnight_and_after_now(zone: ZoneInfo) -> None:
    start = ts(2024, 3, 8)
    # Every 37 minutes for two weeks, across New York's DST change.
    for step in range(0, 14 * 24 * 60, 37):
        now = start + step * 60
        reset = next_reset(now, zone)
        assert reset.timestamp() > now
        assert reset.timestamp() - now <= 25 * 3600
        local = reset.astimezone(zone)
        assert (local.hour, local.minute, local.second) == (0, 0, 0)
        # It is the first moment of the next quota day.
        assert quota_day(reset.timestamp(), zone) > quota_day(now, zone)
        assert quota_day(reset.timestamp() - 1, zone) == quota_day(now, zone)


def test_limit_for_admin_is_unlimited() -> None:
    assert limit_for(42, daily_limit=10, admin_ids=frozenset({1, 42})) is None


def test_limit_for_zero_daily_limit_is_unlimited() -> None:
    assert limit_for(42, daily_limit=0, admin_ids=frozenset()) is None


def test_limit_for_ordinary_user_gets_the_limit() -> None:
    assert limit_for(42, daily_limit=10, admin_ids=frozenset({1, 2})) == 10
    assert limit_for(42, daily_limit=1, admin_ids=frozenset()) == 1


RESETS_AT = datetime(2024, 5, 2, tzinfo=UTC)


@pytest.mark.parametrize(("used", "left"), [(0, 10), (3, 7), (10, 0), (11, 0), (50, 0)])
def test_quota_status_left_is_never_negative(used: int, left: int) -> None:
    assert QuotaStatus(used=used, limit=10, resets_at=RESETS_AT).left == left


def test_quota_status_left_without_limit_is_none() -> None:
    assert QuotaStatus(used=99, limit=None, resets_at=RESETS_AT).left is None


def test_seconds_to_reset() -> None:
    status = QuotaStatus(used=0, limit=10, resets_at=RESETS_AT)
    assert status.seconds_to_reset(ts(2024, 5, 1, 23)) == 3600.0
    assert status.seconds_to_reset(ts(2024, 5, 1, 23, 59, 59)) == 1.0


def test_seconds_to_reset_never_negative() -> None:
    status = QuotaStatus(used=0, limit=10, resets_at=RESETS_AT)
    assert status.seconds_to_reset(ts(2024, 5, 2)) == 0.0
    assert status.seconds_to_reset(ts(2024, 5, 2, 1)) == 0.0
