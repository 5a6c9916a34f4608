"""Who may change a group's settings: Telegram's own administrators of it (getChatMember),
and an anonymous administrator, who writes as the group itself."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError

log = logging.getLogger(__name__)


async def is_admin(bot: Bot, chat_id: int, user_id: int, *, sender_chat_id: int | None) -> bool:
    """`sender_chat_id`: the chat a message was written as (None: written as the user)."""
    if sender_chat_id is not None:
        # A linked channel also writes as a chat, but only the group itself is its admin.
        return sender_chat_id == chat_id
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramAPIError as exc:
        log.info("could not check admin rights in chat %s: %s", chat_id, exc)
        return False
    return member.status in (ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR)
