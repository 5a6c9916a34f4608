"""The prompt path both chat routers share: who asks and where, one call on the drawing
service, and its outcome turned into a reply."""

from __future__ import annotations

import time

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.drawing.draw import Drawing
from bot.drawing.outcomes import (
    AlreadySeen,
    Barred,
    Busy,
    ButtonOutcome,
    GroupRefused,
    ModelGone,
    PromptRefused,
    RatioRefused,
    Refused,
    UnknownModel,
    UnknownTask,
)
from bot.drawing.prompts import PromptProblem
from bot.drawing.requests import DrawRequest, Person, Place
from bot.language import model_texts, texts
from bot.telegram.outbox import Replies
from handlers.replies import reply, thread_of


def person_of(message: Message) -> Person | None:
    """Who asks: the user, or for an anonymous admin (writing as the group) the group. Nobody
    for a channel writing in a group (see handlers/channel_senders.py)."""
    if message.sender_chat is not None:
        if message.sender_chat.id != message.chat.id:
            return None
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


def place_of(message: Message) -> Place:
    return Place(
        chat_id=message.chat.id,
        message_id=message.message_id,
        thread_id=thread_of(message),
        is_group=message.chat.type != "private",
    )


def presser_request(query: CallbackQuery, message: Message, i18n: I18n) -> DrawRequest:
    """A button press that draws again, for whoever pressed, replying to `message`."""
    user = query.from_user
    return DrawRequest(
        person=Person(user.id, user.username, user.first_name, user.language_code),
        place=place_of(message),
        prompt=None,
        locale=i18n.current_locale,
        # Each press is its own request; the same press seen again after a restart is not.
        source_key=f"callback:{query.id}",
    )


def outcome_text(outcome: ButtonOutcome, i18n: I18n, *, private: bool) -> str | None:
    """What the person reads about an outcome; None when the picture itself is the answer."""
    _ = i18n.gettext
    # Not message.date: an update handed over again after a restart is old news.
    now = time.time()
    if isinstance(outcome, PromptRefused):
        if outcome.problem is PromptProblem.EMPTY:
            return texts.empty_prompt(_, private=private)
        return texts.too_long(_, outcome.length, outcome.limit)
    if isinstance(outcome, Refused):
        return texts.over_quota(
            _, outcome.quota, now, needed=outcome.needed, can_buy=outcome.can_buy
        )
    if isinstance(outcome, GroupRefused):
        return texts.group_over_quota(_, outcome.quota, now, needed=outcome.needed)
    if isinstance(outcome, UnknownModel):
        return model_texts.model_unknown(_, outcome)
    if isinstance(outcome, RatioRefused):
        return model_texts.ratio_refused(_, outcome)
    if isinstance(outcome, ModelGone):
        return model_texts.model_gone(_, outcome.model_id)
    if isinstance(outcome, Busy):
        return texts.too_many_active(_, outcome.limit)
    if isinstance(outcome, Barred):
        return texts.banned(_)
    if isinstance(outcome, UnknownTask):
        return texts.image_unknown(_)
    if isinstance(outcome, AlreadySeen):
        return None  # handled before a restart; its task carries on from storage
    return None  # accepted: the "drawing…" status and then the picture answer it


async def draw(
    message: Message, prompt: str | None, *, replies: Replies, drawing: Drawing, i18n: I18n
) -> None:
    person = person_of(message)
    if person is None:
        return
    request = DrawRequest(person, place_of(message), prompt, locale=i18n.current_locale)
    outcome = await drawing.draw(request)
    text = outcome_text(outcome, i18n, private=not request.place.is_group)
    if text is not None:
        await reply(replies, message, text, droppable=True)
