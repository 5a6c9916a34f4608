"""Shared reply plumbing for the routers: replies are queued for their chat (never awaited
at Telegram's pace); answers to button presses go at once."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender

log = logging.getLogger(__name__)


def thread_of(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


async def reply(
    replies: Replies,
    message: Message,
    text: str,
    *,
    markup: InlineKeyboardMarkup | ForceReply | None = None,
    droppable: bool = False,
) -> None:
    """Queue a reply to a message and return at once. `droppable`: a refusal or a hint, left
    out when the chat already has a queue of replies waiting."""
    await replies.post(
        SendMessage(
            chat_id=message.chat.id,
            text=text,
            message_thread_id=thread_of(message),
            reply_parameters=ReplyParameters(
                message_id=message.message_id, allow_sending_without_reply=True
            ),
            reply_markup=markup,
        ),
        droppable=droppable,
    )


async def answer_callback(sender: Sender, query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner (with a short notice), at once: not paced, not queued; never
    raised into aiogram."""
    try:
        await sender(AnswerCallbackQuery(callback_query_id=query.id, text=text))
    except TelegramAPIError as exc:
        log.info("could not answer callback query %s: %s", query.id, exc)
