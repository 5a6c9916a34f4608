"""Webhook mode: the secret Telegram must present, registering the URL, and the route."""

from __future__ import annotations

import secrets

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


class CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's handler, comparing the secret as bytes: its own comparison raises on a header
    that is not ASCII, which answered 500 with a traceback instead of 401."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return secrets.compare_digest(given, self.secret_token.encode("utf-8"))


def add_route(
    web_app: web.Application, *, dispatcher: Dispatcher, bot: Bot, path: str, secret: str
) -> None:
    """POSTs at `path` with the right X-Telegram-Bot-Api-Secret-Token go to the dispatcher;
    aiogram answers 401 to anything else and, in the background mode, answers at once."""
    handler = CheckedRequestHandler(
        dispatcher=dispatcher, bot=bot, secret_token=secret, handle_in_background=True
    )
    handler.register(web_app, path=path)
    setup_application(web_app, dispatcher, bot=bot)
