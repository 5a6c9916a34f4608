"""The prompt-to-task flow both chat routers share once they have found a prompt."""

from __future__ import annotations

import logging
import time

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot import texts
from bot.delivery import Delivery
from bot.generation import (
    Accepted,
    AlreadySeen,
    Barred,
    Busy,
    GenerationService,
    GroupRefused,
    Outcome,
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
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    private = message.chat.type == "private"
    problem = generation.check_prompt(prompt)
    if problem is PromptProblem.EMPTY or prompt is None:
        await reply(sender, message, texts.empty_prompt(_, private=private))
        return
    if problem is PromptProblem.TOO_LONG:
        limit = generation.max_prompt_length
        await reply(sender, message, texts.too_long(_, len(prompt.strip()), limit))
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
        locale=i18n.current_locale,
        group=not private,
    )
    await start_drawing(
        message,
        outcome,
        # Not message.date: an update handed over again after a restart is old news.
        now=time.time(),
        sender=sender,
        generation=generation,
        delivery=delivery,
        i18n=i18n,
    )


async def start_drawing(
    message: Message,
    outcome: Outcome,
    *,
    now: float,
    sender: Sender,
    generation: GenerationService,
    delivery: Delivery,
    i18n: I18n,
) -> None:
    """Answer an intake outcome in the chat of `message`; start the task if it was accepted."""
    _ = i18n.gettext
    refusal: str | None = None
    if isinstance(outcome, Refused):
        refusal = texts.over_quota(_, outcome.quota, now)
    elif isinstance(outcome, GroupRefused):
        refusal = texts.group_over_quota(_, outcome.quota, now)
    elif isinstance(outcome, Busy):
        refusal = texts.too_many_active(_, outcome.limit)
    elif isinstance(outcome, Barred):
        refusal = texts.banned(_)
    if refusal is not None:
        await reply(sender, message, refusal)
        return
    if isinstance(outcome, AlreadySeen):
        return  # handled before a restart; its task carries on from storage
    assert isinstance(outcome, Accepted)
    # The status reply waits for Telegram's pacing; the create call must not wait for it.
    delivery.post_status_soon(outcome.task)
    await delivery.show_working(outcome.task)
    await generation.submit(outcome.task.id)


async def draw_for_presser(
    query: CallbackQuery,
    message: Message,
    prompt: str,
    *,
    sender: Sender,
    generation: GenerationService,
    delivery: Delivery,
    i18n: I18n,
) -> None:
    """A button press that draws `prompt` anew, for whoever pressed, replying to `message`."""
    user = query.from_user
    outcome = await generation.request(
        Person(user.id, user.username, user.first_name, user.language_code),
        chat_id=message.chat.id,
        message_id=message.message_id,
        thread_id=thread_of(message),
        prompt=prompt,
        locale=i18n.current_locale,
        group=message.chat.type != "private",
        # Each press is its own request; the same press seen again after a restart is not.
        source_key=f"callback:{query.id}",
    )
    await start_drawing(
        message,
        outcome,
        now=time.time(),
        sender=sender,
        generation=generation,
        delivery=delivery,
        i18n=i18n,
    )
