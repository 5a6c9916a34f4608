"""Webhook mode: the secret Telegram must present, registering the URL, and the route."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.settings import Settings
from storage import MetaRepository

SECRET_KEY = "webhook_secret"


def new_secret() -> str:
    # URL-safe base64 is exactly Telegram's alphabet for secret_token (A-Z a-z 0-9 _ -).
    return secrets.token_urlsafe(32)


async def webhook_secret(settings: Settings, meta: MetaRepository) -> str:
    """WEBHOOK_SECRET when given; otherwise one made once and kept, so restarts agree."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return await meta.get_or_create(SECRET_KEY, new_secret)


async def register(bot: Bot, *, url: str, secret: str, allowed_updates: list[str]) -> None:
    # Updates queued while the bot was down stay queued: a restart must not drop prompts.
    await bot.set_webhook(
        url=url, secret_token=secret, allowed_updates=allowed_updates, drop_pending_updates=False
    )


# Updates handled at once, as with long polling (bot.runtime.serve.HANDLER_CONCURRENCY).
MAX_UPDATES_IN_FLIGHT = 256


class CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's handler, with two changes.

    The secret is compared as bytes: aiogram's own comparison raises on a header that is not
    ASCII, which answered 500 with a traceback instead of 401.

    Updates are handled in the background, as aiogram's background mode does, but at most
    `max_in_flight` at once: aiogram's own mode starts a task per POST with no cap. When all
    slots are taken the POST waits for one before it is answered, so Telegram (which sends a
    bot's updates over a few connections) slows down instead of the bot piling up tasks.
    """

    def __init__(
        self,
        *,
        dispatcher: Dispatcher,
        bot: Bot,
        secret_token: str,
        max_in_flight: int = MAX_UPDATES_IN_FLIGHT,
    ) -> None:
        super().__init__(
            dispatcher=dispatcher, bot=bot, secret_token=secret_token, handle_in_background=False
        )
        self._slots = asyncio.Semaphore(max_in_flight)
        self._handling: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not self.verify_secret(header, self.bot):
            return web.Response(body="Unauthorized", status=401)
        update = await request.json(loads=self.bot.session.json_loads)
        await self._slots.acquire()
        job = asyncio.create_task(self._feed(update))
        self._handling.add(job)
        job.add_done_callback(self._handling.discard)
        return web.json_response({}, dumps=self.bot.session.json_dumps)

    async def _feed(self, update: dict[str, Any]) -> None:
        try:
            await self.dispatcher.feed_raw_update(self.bot, update, **self.data)
        finally:
            self._slots.release()

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret_token.encode("utf-8"))


def add_route(
    web_app: web.Application, *, dispatcher: Dispatcher, bot: Bot, path: str, secret: str
) -> None:
    """POSTs at `path` with the right X-Telegram-Bot-Api-Secret-Token go to the dispatcher;
    anything else gets 401. Each is answered as soon as it has a slot (see above)."""
    handler = CheckedRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret)
    handler.register(web_app, path=path)
    setup_application(web_app, dispatcher, bot=bot)
