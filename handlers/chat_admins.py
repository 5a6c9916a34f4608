"""Who may act for a group: Telegram's own administrators of it (getChatMember), and an
anonymous administrator, who writes as the group itself."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

log = logging.getLogger(__name__)


async def is_admin(
    bot: Bot, chat_id: int, user_id: int, *, sender_chat_id: int | None = None
) -> bool:
    """The user is the chat's creator or one of its administrators (False when Telegram will
    not say). `sender_chat_id`: the chat a message was written as (None: as the user)."""
    if sender_chat_id is not None:
        # A linked channel also writes as a chat, but only the group itself is its admin.
        return sender_chat_id == chat_id
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("could not check admin rights in chat %s: %s", chat_id, exc)
        return False
    return member.status in (ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR)


async def is_chat_admin(message: Message, bot: Bot) -> bool:
    """The message's author administers its chat (an anonymous admin writes as the chat)."""
    if message.from_user is None and message.sender_chat is None:
        return False
    user_id = message.from_user.id if message.from_user is not None else 0
    written_as = message.sender_chat.id if message.sender_chat is not None else None
    return await is_admin(bot, message.chat.id, user_id, sender_chat_id=written_as)
