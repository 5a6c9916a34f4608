"""Which language a person is answered in: their /lang choice, else their Telegram language."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiogram.types import CallbackQuery, Message, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.language.catalogues import LOCALES, locale_for
from storage import UserRepository


class LanguageService:
    def __init__(
        self,
        users: UserRepository,
        clock: Callable[[], float] = time.time,
        cache_size: int = 100_000,
        cache_for: float | None = None,
    ) -> None:
        self._users = users
        self._clock = clock
        # Every update asks; only /lang changes the answer. With one process it goes through
        # this service, so a cache in front of storage stays true (`cache_for` None: forever).
        # Processes sharing a database each cache for `cache_for` seconds, so a /lang taken
        # in by another process shows here within that time.
        self._chosen: OrderedDict[int, tuple[str | None, float]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_for = cache_for

    async def locale(self, person_id: int, language_code: str | None) -> str:
        cached = self._chosen.get(person_id)
        if cached is not None and (
            self._cache_for is None or self._clock() - cached[1] < self._cache_for
        ):
            self._chosen.move_to_end(person_id)
            chosen = cached[0]
        else:
            chosen = await self._users.chosen_locale(person_id)
            self._remember(person_id, chosen)
        return chosen if chosen in LOCALES else locale_for(language_code)

    async def choose(self, person_id: int, locale: str) -> bool:
        if locale not in LOCALES:
            return False
        await self._users.choose_locale(person_id, locale, self._clock())
        self._remember(person_id, locale)
        return True

    def _remember(self, person_id: int, chosen: str | None) -> None:
        self._chosen[person_id] = (chosen, self._clock())
        self._chosen.move_to_end(person_id)
        while len(self._chosen) > self._cache_size:
            self._chosen.popitem(last=False)


class LanguageMiddleware(I18nMiddleware):
    """aiogram's I18nMiddleware, with the locale read from storage first."""

    def __init__(self, i18n: I18n, languages: LanguageService) -> None:
        super().__init__(i18n)
        self._languages = languages

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        who = asker(event, data.get("event_from_user"))
        if who is None:
            return self.i18n.default_locale
        person_id, language_code = who
        return await self._languages.locale(person_id, language_code)


def asker(event: TelegramObject, user: User | None) -> tuple[int, str | None] | None:
    """Who an update speaks for: a chat writing as itself (anonymous admin, channel), else
    the user; with their Telegram language."""
    if isinstance(event, Message) and event.sender_chat is not None:
        return event.sender_chat.id, None
    if isinstance(event, CallbackQuery):
        user = event.from_user
    if user is None:
        return None
    return user.id, user.language_code
