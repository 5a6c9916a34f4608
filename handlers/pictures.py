"""What the picture routers share (issue 14): finding the picture in a message, matching an
answer to the bot's "what should change?", and turning an outcome into a reply."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.filters import BaseFilter, CommandObject
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.drawing.outcomes import NoReferences, PictureOutcome, PictureRefused, ReferencesOff
from bot.drawing.pictures import PictureFile
from bot.drawing.prompts import command_prompt
from bot.drawing.references import FromPictures
from bot.drawing.requests import DrawRequest
from bot.language import picture_texts
from bot.language.picture_texts import EDIT_MARK
from bot.telegram.buttons import picture_models_keyboard
from bot.telegram.outbox import Replies
from handlers.drawing import outcome_text, person_of, place_of
from handlers.replies import reply


def picture_of(message: Message | None) -> tuple[PictureFile, ...] | None:
    """Every size of the message's photo, or its image sent as a file; None without one."""
    if message is None:
        return None
    if message.photo:
        return tuple(
            PictureFile(size.file_id, size.width, size.height, size.file_size)
            for size in message.photo
        )
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        # A file's sides are not known: its size alone decides (one candidate anyway).
        return (PictureFile(document.file_id, 0, 0, document.file_size),)
    return None


class HasPicture(BaseFilter):
    """A photo (or an image file) on the message, or with `replied`, on the one a command with
    a prompt of its own answers; passes it as `picture`. (A bare /draw in reply to a captioned
    photo draws that caption, as it always did: handlers.group.)"""

    def __init__(self, *, replied: bool = False) -> None:
        self.replied = replied

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        picture = picture_of(message)
        if picture is None and self.replied and _has_args(message.text):
            picture = picture_of(message.reply_to_message)
        return False if picture is None else {"picture": picture}


def _has_args(command: str | None) -> bool:
    """`/draw something`, not a bare `/draw`."""
    return len((command or "").split(maxsplit=1)) == 2


class AnswersEditQuestion(BaseFilter):
    """An answer to the bot's own "what should change in picture #N?"; passes N as `task_id`.

    The question is matched by what the bot wrote, which Telegram hands over as it was sent:
    nobody can put words in the bot's mouth (a forwarded copy is the forwarder's message)."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        question = message.reply_to_message
        if question is None or question.from_user is None or question.forward_origin is not None:
            return False
        if not question.from_user.is_bot or not (question.text or "").startswith(EDIT_MARK):
            return False  # the common case, decided without asking who this bot is
        me = await bot.me()  # cached by aiogram after the first call
        if question.from_user.id != me.id:
            return False
        task_id = picture_texts.edit_task(question.text)
        return False if task_id is None else {"task_id": task_id}


def picture_reply(
    outcome: PictureOutcome, i18n: I18n, *, private: bool
) -> tuple[str | None, InlineKeyboardMarkup | None]:
    """What the person reads about an outcome, and the buttons under it."""
    _ = i18n.gettext
    if isinstance(outcome, ReferencesOff):
        return picture_texts.references_off(_), None
    if isinstance(outcome, PictureRefused):
        return picture_texts.picture_refused(_, outcome.problem), None
    if isinstance(outcome, NoReferences):
        markup = None
        if outcome.offers and outcome.waiting is not None:
            markup = picture_models_keyboard(_, outcome.waiting, outcome.offers)
        return picture_texts.no_references(_, outcome), markup
    return outcome_text(outcome, i18n, private=private), None


async def answer(replies: Replies, message: Message, outcome: PictureOutcome, i18n: I18n) -> None:
    text, markup = picture_reply(outcome, i18n, private=message.chat.type == "private")
    if text is not None:
        # Offers are kept (the picture waits for them); a refusal may be dropped in a crowd.
        await reply(replies, message, text, markup=markup, droppable=markup is None)


async def on_edit_answer(
    message: Message, task_id: int, replies: Replies, pictures: FromPictures, i18n: I18n
) -> None:
    """The answer to "what should change?": that picture, drawn anew from itself."""
    person = person_of(message)
    if person is None:
        return
    prompt = message.text or message.caption
    request = DrawRequest(person, place_of(message), prompt, locale=i18n.current_locale)
    await answer(replies, message, await pictures.edit(request, task_id), i18n)


async def draw_from(
    message: Message,
    prompt: str | None,
    picture: tuple[PictureFile, ...],
    *,
    replies: Replies,
    pictures: FromPictures,
    i18n: I18n,
) -> None:
    person = person_of(message)
    if person is None:
        return
    request = DrawRequest(person, place_of(message), prompt, locale=i18n.current_locale)
    await answer(replies, message, await pictures.draw(request, picture), i18n)


async def on_draw_picture(
    message: Message,
    command: CommandObject,
    picture: tuple[PictureFile, ...],
    replies: Replies,
    pictures: FromPictures,
    i18n: I18n,
) -> None:
    # A bare /draw on a captioned photo (someone else's, in a group) draws that caption.
    replied = message.reply_to_message
    prompt = command_prompt(command.args, replied.caption if replied else None)
    await draw_from(message, prompt, picture, replies=replies, pictures=pictures, i18n=i18n)
