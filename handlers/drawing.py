"""The prompt-to-task flow both chat routers share once they have found a prompt."""

from __future__ import annotations

import logging

from aiogram.types import Message

from bot import texts
from bot.delivery import Delivery
from bot.generation import (
    Accepted,
    AlreadySeen,
    GenerationService,
    Person,
    PromptProblem,
    Refused,
)
from bot.telegram_out import Sender
from handlers.replies import reply, thread_of

log = logging.getLogger(__name__)


def person_of(message: Message) -> Person | None:
    # Anonymous admins and linked channels write as a chat: that chat is who asks.
    if message.sender_chat is not None:
        return Person(id=message.sender_chat.id, username=message.sender_chat.username)
    user = message.from_user
    if user is None:
        return None
    return Person(
        id=user.id,
        username=user.username,
        first_name=user.first_name,
        language_code=user.language_code,
    )


async def draw(
    message: Message,
    prompt: str | None,
    *,
    sender: Sender,
    generation: GenerationService,
    delivery: Delivery,
) -> None:
    private = message.chat.type == "private"
    problem = generation.check_prompt(prompt)
    if problem is PromptProblem.EMPTY or prompt is None:
        await reply(sender, message, texts.empty_prompt(private=private))
        return
    if problem is PromptProblem.TOO_LONG:
        limit = generation.max_prompt_length
        await reply(sender, message, texts.too_long(len(prompt.strip()), limit))
        return
    person = person_of(message)
    if person is None:
        return
    outcome = await generation.request(
        person,
        chat_id=message.chat.id,
        message_id=message.message_id,
        thread_id=thread_of(message),
        prompt=prompt,
    )
    if isinstance(outcome, Refused):
        await reply(sender, message, texts.over_quota(outcome.quota, message.date.timestamp()))
        return
    if isinstance(outcome, AlreadySeen):
        return  # handled before a restart; its task carries on from storage
    assert isinstance(outcome, Accepted)
    # The status reply waits for Telegram's pacing; the create call must not wait for it.
    delivery.post_status_soon(outcome.task)
    await delivery.show_working(outcome.task)
    await generation.submit(outcome.task.id)
