"""Tells every operator once when GPTunnel stops working for a reason only they can fix."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import SendMessage

from bot.gptunnel import GPTunnelError
from bot.language import texts
from bot.language.catalogues import Translator
from bot.language.choice import LanguageService
from bot.settings import Settings
from bot.telegram.sender import Sender
from storage import AlertRepository

log = logging.getLogger(__name__)

# One incident, one message: at most one alert of a kind per hour.
ALERT_EVERY = 3600.0


def alert_kind(exc: GPTunnelError) -> str | None:
    if exc.code == 5 or exc.http_status == 402:
        return "balance"
    if exc.code == 2 or exc.http_status == 401:
        return "key"
    return None


class AdminAlerts:
    def __init__(
        self,
        *,
        settings: Settings,
        alerts: AlertRepository,
        languages: LanguageService,
        sender: Sender,
        translator: Translator,
        every: float = ALERT_EVERY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._alerts = alerts
        self._languages = languages
        self._send = sender
        self._t = translator
        self._every = every
        self._clock = clock

    async def __call__(self, exc: GPTunnelError) -> None:
        kind = alert_kind(exc)
        if kind is None or not self._settings.admin_ids:
            return
        # The claim is one transaction: of many failing prompts at once, one alerts.
        if not await self._alerts.claim(kind, self._clock(), self._every):
            return
        log.error("alerting the operators: GPTunnel %s (%s)", kind, exc)
        for admin_id in sorted(self._settings.admin_ids):
            locale = await self._languages.locale(admin_id, None)
            try:
                await self._send(
                    SendMessage(chat_id=admin_id, text=texts.alert(self._t(locale), kind))
                )
            except TelegramAPIError as exc_out:
                log.warning("could not alert operator %s: %s", admin_id, exc_out)
