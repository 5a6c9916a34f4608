"""The operator's tools (ADMIN_IDS): extra quota, personal limits, bans, and the figures."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.drawing.quota import quota_day
from bot.drawing.quotas import Quotas
from bot.gptunnel import GPTunnelClient, GPTunnelError
from bot.settings import Settings
from storage import ModelSpend, PaymentRepository, StarFigures, StatsRepository, UserRepository

log = logging.getLogger(__name__)

MAX_ID_DIGITS = 16


@dataclass(frozen=True, slots=True)
class Stats:
    users_today: int
    users_week: int
    images_today: int
    images_total: int
    failures: dict[str, int]
    median: float | None
    p95: float | None
    open_now: int
    balance: float | None  # None: GPTunnel did not say
    spend: list[ModelSpend] = field(default_factory=list)  # GPTunnel's cost, per model
    stars: StarFigures = field(default_factory=lambda: StarFigures(0, 0, 0))


@dataclass(frozen=True, slots=True)
class UnknownUser:
    who: str  # as the operator wrote it


@dataclass(frozen=True, slots=True)
class Granted:
    user_id: int
    extra: int
    limit: int | None  # the user's limit today, this grant included


@dataclass(frozen=True, slots=True)
class Changed:
    user_id: int


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of values sorted ascending."""
    if not sorted_values:
        return None
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


class AdminService:
    def __init__(
        self,
        *,
        settings: Settings,
        users: UserRepository,
        stats: StatsRepository,
        quotas: Quotas,
        gptunnel: GPTunnelClient,
        wallet: PaymentRepository,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._users = users
        self._stats = stats
        self._wallet = wallet
        self._quotas = quotas
        self._gptunnel = gptunnel
        self._clock = clock

    def is_operator(self, user_id: int) -> bool:
        return user_id in self._settings.admin_ids

    async def resolve(self, who: str) -> int | None:
        """A numeric id as is; an @username (or bare username) from those who wrote to us."""
        who = who.strip()
        digits = who.removeprefix("-")
        if digits.isascii() and digits.isdigit():
            # Telegram ids fit in 52 bits; anything longer is a typo, not a user.
            return int(who) if len(digits) <= MAX_ID_DIGITS else None
        name = who.removeprefix("@")
        if not name:
            return None
        return await self._users.find_by_username(name)

    async def grant(self, who: str, extra: int) -> Granted | UnknownUser:
        """Extra pictures for today only."""
        user_id = await self.resolve(who)
        if user_id is None:
            return UnknownUser(who)
        day = quota_day(self._clock(), self._settings.zone)
        await self._users.grant(user_id, day, extra)
        log.info("operator granted user %s %s extra pictures for %s", user_id, extra, day)
        return Granted(user_id, extra, (await self._quotas.of_person(user_id)).limit)

    async def set_limit(self, who: str, limit: int) -> Changed | UnknownUser:
        user_id = await self.resolve(who)
        if user_id is None:
            return UnknownUser(who)
        await self._users.set_daily_limit(user_id, limit, self._clock())
        log.info("operator set user %s's daily limit to %s", user_id, limit)
        return Changed(user_id)

    async def set_banned(self, who: str, banned: bool) -> Changed | UnknownUser:
        user_id = await self.resolve(who)
        if user_id is None:
            return UnknownUser(who)
        await self._users.set_banned(user_id, banned, self._clock())
        log.info("operator %s user %s", "banned" if banned else "unbanned", user_id)
        return Changed(user_id)

    async def stats(self) -> Stats:
        now = self._clock()
        zone = self._settings.zone
        today = datetime.fromtimestamp(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
        figures = await self._stats.figures(
            day_start=today.timestamp(),
            # "This week": the last seven calendar days, today included.
            week_start=(today - timedelta(days=6)).timestamp(),
        )
        try:
            balance: float | None = await self._gptunnel.balance()
        except GPTunnelError as exc:
            log.warning("GPTunnel balance unavailable: %s", exc)
            balance = None
        return Stats(
            users_today=figures.users_today,
            users_week=figures.users_week,
            images_today=figures.images_today,
            images_total=figures.images_total,
            failures=figures.failures,
            median=percentile(figures.durations, 0.5),
            p95=percentile(figures.durations, 0.95),
            open_now=figures.open_now,
            balance=balance,
            spend=await self._stats.spend(day_start=today.timestamp()),
            stars=await self._wallet.stars(day_start=today.timestamp()),
        )
