"""Who may act for a group: Telegram's own administrators of it, asked with getChatMember."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

log = logging.getLogger(__name__)


async def is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    """The user is the chat's creator or one of its administrators (False when Telegram will
    not say)."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("could not check admin rights in chat %s: %s", chat_id, exc)
        return False
    return member.status in (ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR)


async def is_chat_admin(message: Message, bot: Bot) -> bool:
    """The message's author administers its chat (an anonymous admin writes as the chat)."""
    if message.sender_chat is not None:
        return message.sender_chat.id == message.chat.id
    if message.from_user is None:
        return False
    return await is_admin(bot, message.chat.id, message.from_user.id)
