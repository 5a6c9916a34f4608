"""Messages written on behalf of a channel in a group: refused, with one short reply.

A member may write in a group as one of their channels (`sender_chat` is that channel). Telegram
never says who is behind a channel, so such a message cannot be charged to a person: each
channel would be a fresh quota, and a ban on the person would not reach it. What it asks (a
prompt, any command) is refused before its handler runs, and nothing starts. An anonymous
admin writes as the group itself (`sender_chat` is the chat): that stays allowed, charged to
the group. Button presses always come from a person, so they never meet this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n

from bot.language import texts
from bot.telegram.outbox import Replies
from handlers.replies import reply

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def writes_as_another_chat(message: Message) -> bool:
    """Written on behalf of a chat that is not this one: a channel."""
    return message.sender_chat is not None and message.sender_chat.id != message.chat.id


class RefuseChannelSenders(BaseMiddleware):
    """An inner middleware on messages: it runs only once a handler matched, so chatter that
    no handler wants stays unanswered."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and writes_as_another_chat(event):
            replies: Replies = data["replies"]
            i18n: I18n = data["i18n"]
            await reply(replies, event, texts.channel_refused(i18n.gettext), droppable=True)
            return None
        return await handler(event, data)
