"""Commands that work the same in every chat: /start, /help, /quota."""

from __future__ import annotations

import time

from aiogram import Bot, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot import texts
from bot.generation import GenerationService
from bot.telegram_out import Sender
from handlers.drawing import person_of
from handlers.replies import reply


async def on_help(
    message: Message, bot: Bot, sender: Sender, generation: GenerationService
) -> None:
    person = person_of(message)
    if person is None:
        return
    me = await bot.me()
    status = await generation.quota(person.id)
    await reply(sender, message, texts.help_text(me.username or "", status, time.time()))


async def on_quota(message: Message, sender: Sender, generation: GenerationService) -> None:
    person = person_of(message)
    if person is None:
        return
    status = await generation.quota(person.id)
    await reply(sender, message, texts.quota(status, time.time()))


def make_router() -> Router:
    router = Router(name="common")
    router.message.register(on_help, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_quota, Command("quota"))
    return router
