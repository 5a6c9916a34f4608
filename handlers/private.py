"""Private chats: any text is a prompt; /draw, /imagine and /art work too."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.drawing.draw import Drawing
from bot.drawing.prompts import command_prompt
from bot.language import texts
from bot.telegram.outbox import Replies
from handlers.drawing import draw
from handlers.filters import ChatTypeIs, HasText, TextStartsWith
from handlers.replies import reply

DRAW_COMMANDS = ("draw", "imagine", "art")


async def on_draw(
    message: Message,
    command: CommandObject,
    replies: Replies,
    drawing: Drawing,
    i18n: I18n,
) -> None:
    replied = message.reply_to_message
    replied_text = (replied.text or replied.caption) if replied else None
    prompt = command_prompt(command.args, replied_text)
    await draw(message, prompt, replies=replies, drawing=drawing, i18n=i18n)


async def on_unknown_command(message: Message, replies: Replies, i18n: I18n) -> None:
    await reply(replies, message, texts.unknown_command(i18n.gettext), droppable=True)


async def on_text(
    message: Message,
    replies: Replies,
    drawing: Drawing,
    i18n: I18n,
) -> None:
    prompt = message.text or message.caption
    await draw(message, prompt, replies=replies, drawing=drawing, i18n=i18n)


async def on_no_text(message: Message, replies: Replies, i18n: I18n) -> None:
    await reply(replies, message, texts.no_text(i18n.gettext), droppable=True)


def make_router() -> Router:
    router = Router(name="private")
    router.message.filter(ChatTypeIs(ChatType.PRIVATE))
    router.message.register(on_draw, Command(*DRAW_COMMANDS))
    router.message.register(on_unknown_command, TextStartsWith("/"))
    router.message.register(on_text, HasText())
    # Stickers, voice notes, photos without a caption: nothing to draw from.
    router.message.register(on_no_text)
    return router
