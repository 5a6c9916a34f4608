"""Shared reply plumbing for the routers: every reply goes through the one Sender."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters

from bot.telegram.sender import Sender

log = logging.getLogger(__name__)


def thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


async def reply(
    sender: Sender, message: Message, text: str, *, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
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
                reply_markup=markup,
            )
        )
    except TelegramAPIError as exc:
        log.info("could not reply in chat %s: %s", message.chat.id, exc)
        return None


async def answer_callback(sender: Sender, query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner (with a short notice); never raised into aiogram."""
    try:
        await sender(AnswerCallbackQuery(callback_query_id=query.id, text=text))
    except TelegramAPIError as exc:
        log.info("could not answer callback query %s: %s", query.id, exc)
