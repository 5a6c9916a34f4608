"""Shared reply plumbing for the routers: every reply goes through the one Sender."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import SendMessage
from aiogram.types import Message, ReplyParameters

from bot.telegram_out import Sender

log = logging.getLogger(__name__)


def thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


async def reply(sender: Sender, message: Message, text: str) -> Message | None:
    """Reply to a message; a reply that cannot be sent is logged, never raised into aiogram."""
    try:
        return await sender(
            SendMessage(
                chat_id=message.chat.id,
                text=text,
                message_thread_id=thread_of(message),
                reply_parameters=ReplyParameters(
                    message_id=message.message_id, allow_sending_without_reply=True
                ),
            )
        )
    except TelegramAPIError as exc:
        log.info("could not reply in chat %s: %s", message.chat.id, exc)
        return None
