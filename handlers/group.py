"""Groups: only what is addressed to the bot — /draw (also as a reply), @bot prompts, and
/grouplimit for the group's administrators; and the news that a group became a supergroup."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.drawing.chat_moves import ChatMoves
from bot.drawing.draw import Drawing
from bot.drawing.prompts import command_prompt, mention_prompt
from bot.drawing.quotas import Quotas
from bot.language import texts
from bot.telegram.outbox import Replies
from handlers.chat_admins import is_chat_admin
from handlers.drawing import draw
from handlers.filters import ChatTypeIs, GroupUpgraded
from handlers.numbers import whole_number
from handlers.private import DRAW_COMMANDS
from handlers.replies import reply

log = logging.getLogger(__name__)

# Far beyond any sensible daily budget; keeps the number a plain SQLite integer.
MAX_GROUP_LIMIT = 1_000_000


class MentionsBot(BaseFilter):
    """A message that starts with @<this bot>; passes what follows as `prompt`."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        text = message.text or message.caption
        if not text or not text.lstrip().startswith("@"):
            return False
        me = await bot.me()
        prompt = mention_prompt(text, me.username or "")
        return False if prompt is None else {"prompt": prompt}


async def on_draw(
    message: Message,
    command: CommandObject,
    replies: Replies,
    drawing: Drawing,
    i18n: I18n,
) -> None:
    replied = message.reply_to_message
    if not (command.args or "").strip() and replied is not None:
        replied_text = replied.text or replied.caption
        if not replied_text or not replied_text.strip():
            await reply(replies, message, texts.reply_has_no_text(i18n.gettext), droppable=True)
            return
        await draw(message, replied_text, replies=replies, drawing=drawing, i18n=i18n)
        return
    prompt = command_prompt(command.args, None)
    await draw(message, prompt, replies=replies, drawing=drawing, i18n=i18n)


async def on_mention(
    message: Message,
    prompt: str,
    replies: Replies,
    drawing: Drawing,
    i18n: I18n,
) -> None:
    await draw(message, prompt, replies=replies, drawing=drawing, i18n=i18n)


async def on_group_limit(
    message: Message,
    command: CommandObject,
    bot: Bot,
    replies: Replies,
    quotas: Quotas,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    args = (command.args or "").strip()
    if not args:
        limit, used = await quotas.of_group(message.chat.id)
        await reply(replies, message, texts.group_limit_show(_, limit, used))
        return
    limit = whole_number(args)
    if limit is None or limit > MAX_GROUP_LIMIT:
        await reply(replies, message, texts.group_limit_usage(_), droppable=True)
        return
    if not await is_chat_admin(message, bot):
        await reply(replies, message, texts.group_limit_not_admin(_), droppable=True)
        return
    await quotas.set_group_limit(message.chat.id, limit)
    await reply(replies, message, texts.group_limit_set(_, limit or None))


async def on_upgraded(message: Message, chat_moves: ChatMoves) -> None:
    """The group became a supergroup: what it had follows it. No reply: nobody asked."""
    if message.migrate_to_chat_id is not None:
        await chat_moves.move(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        await chat_moves.move(message.migrate_from_chat_id, message.chat.id)


def make_router() -> Router:
    router = Router(name="group")
    router.message.filter(ChatTypeIs(ChatType.GROUP, ChatType.SUPERGROUP))
    router.message.register(on_upgraded, GroupUpgraded())
    router.message.register(on_draw, Command(*DRAW_COMMANDS))
    router.message.register(on_group_limit, Command("grouplimit"))
    router.message.register(on_mention, MentionsBot())
    # Anything else in a group is chatter between people: no handler, no reply.
    return router
