"""Private chats, drawing from a picture: a photo with a caption (the caption is the prompt),
/draw on a photo or in reply to one, and answers to "what should change?" under Edit."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.drawing.pictures import PictureFile
from bot.drawing.references import FromPictures
from bot.telegram.outbox import Replies
from handlers.filters import ChatTypeIs, HasText
from handlers.pictures import (
    AnswersEditQuestion,
    HasPicture,
    draw_from,
    on_draw_picture,
    on_edit_answer,
)
from handlers.private import DRAW_COMMANDS


async def on_captioned_picture(
    message: Message,
    picture: tuple[PictureFile, ...],
    replies: Replies,
    pictures: FromPictures,
    i18n: I18n,
) -> None:
    await draw_from(
        message, message.caption, picture, replies=replies, pictures=pictures, i18n=i18n
    )


def make_router() -> Router:
    router = Router(name="pictures_private")
    router.message.filter(ChatTypeIs(ChatType.PRIVATE))
    router.message.register(on_edit_answer, AnswersEditQuestion())
    router.message.register(on_draw_picture, Command(*DRAW_COMMANDS), HasPicture(replied=True))
    router.message.register(on_captioned_picture, HasPicture(), HasText())
    return router
