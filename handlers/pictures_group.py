"""Groups, drawing from a picture: /draw <prompt> in reply to a photo (anyone's, or one of the
bot's own pictures) or on a photo's caption, and answers to "what should change?" under Edit."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command

from handlers.filters import ChatTypeIs
from handlers.pictures import AnswersEditQuestion, HasPicture, on_draw_picture, on_edit_answer
from handlers.private import DRAW_COMMANDS


def make_router() -> Router:
    router = Router(name="pictures_group")
    router.message.filter(ChatTypeIs(ChatType.GROUP, ChatType.SUPERGROUP))
    router.message.register(on_edit_answer, AnswersEditQuestion())
    router.message.register(on_draw_picture, Command(*DRAW_COMMANDS), HasPicture(replied=True))
    return router
