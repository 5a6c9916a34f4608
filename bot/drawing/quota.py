"""Quota arithmetic: which calendar day a moment belongs to and when that day's quota resets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def quota_day(now: float, zone: ZoneInfo) -> str:
    """The calendar day, in the quota's zone, that a unix time is charged to."""
    return datetime.fromtimestamp(now, zone).date().isoformat()


def next_reset(now: float, zone: ZoneInfo) -> datetime:
    """The next local midnight in the quota's zone (aware datetime)."""
    today: date = datetime.fromtimestamp(now, zone).date()
    return datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)


def limit_for(user_id: int, *, daily_limit: int, admin_ids: frozenset[int]) -> int | None:
    """None means no limit: admins, or DAILY_LIMIT=0."""
    if user_id in admin_ids or daily_limit == 0:
        return None
    return daily_limit


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """A person's credits: the day's (used of limit; None: no limit) and purchased ones."""

    used: int
    limit: int | None
    resets_at: datetime
    purchased: int = 0

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    def seconds_to_reset(self, now: float) -> float:
        return max(self.resets_at.timestamp() - now, 0.0)
