"""How much of today's allowance is left, in credits: a person's (DAILY_LIMIT, /setlimit,
/grant, and the purchased credits beyond them) and a group's own (GROUP_DAILY_LIMIT,
/grouplimit)."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.drawing.quota import QuotaStatus, limit_for, next_reset, quota_day
from bot.settings import Settings
from storage import ChatRepository, PaymentRepository, TaskIntake, UserRepository


class Quotas:
    def __init__(
        self,
        *,
        settings: Settings,
        tasks: TaskIntake,
        users: UserRepository,
        chats: ChatRepository,
        wallet: PaymentRepository,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._tasks = tasks
        self._users = users
        self._chats = chats
        self._wallet = wallet
        self._clock = clock

    async def of_person(self, user_id: int) -> QuotaStatus:
        now = self._clock()
        settings = self._settings
        day = quota_day(now, settings.zone)
        used = await self._tasks.used(user_id, day)
        limit = limit_for(user_id, daily_limit=settings.daily_limit, admin_ids=settings.admin_ids)
        if user_id not in settings.admin_ids:
            # /setlimit replaces the default; /grant adds to today's.
            own = await self._users.daily_limit(user_id)
            limit = own if own is not None else limit
            if limit is not None:
                limit += await self._users.granted(user_id, day)
        return QuotaStatus(
            used=used,
            limit=limit,
            resets_at=next_reset(now, settings.zone),
            purchased=await self._wallet.balance(user_id),
        )

    async def of_group(self, chat_id: int) -> tuple[int | None, int]:
        """The group's own daily limit (None: none) and how many it used today."""
        own = await self._chats.daily_limit(chat_id)
        limit = own if own is not None else self._settings.group_daily_limit
        used = await self._tasks.used_in_chat(
            chat_id, quota_day(self._clock(), self._settings.zone)
        )
        return (limit or None), used

    async def set_group_limit(self, chat_id: int, limit: int) -> None:
        await self._chats.set_daily_limit(chat_id, limit)
