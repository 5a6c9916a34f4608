"""Groups, drawing from a picture: /draw <prompt> in reply to a photo (anyone's, or one of the
bot's own pictures) or on a photo's caption, and answers to "what should change?" under Edit."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.drawing.pictures import PictureFile
from bot.drawing.prompts import command_prompt
from bot.drawing.references import FromPictures
from bot.telegram.outbox import Replies
from handlers.filters import ChatTypeIs
from handlers.pictures import AnswersEditQuestion, HasPicture, draw_from, on_edit_answer
from handlers.private import DRAW_COMMANDS


async def on_draw_picture(
    message: Message,
    command: CommandObject,
    picture: tuple[PictureFile, ...],
    replies: Replies,
    pictures: FromPictures,
    i18n: I18n,
) -> None:
    # A bare /draw on a captioned photo of someone else's draws that caption from it.
    replied = message.reply_to_message
    prompt = command_prompt(command.args, replied.caption if replied else None)
    await draw_from(message, prompt, picture, replies=replies, pictures=pictures, i18n=i18n)


def make_router() -> Router:
    router = Router(name="pictures_group")
    router.message.filter(ChatTypeIs(ChatType.GROUP, ChatType.SUPERGROUP))
    router.message.register(on_edit_answer, AnswersEditQuestion())
    router.message.register(on_draw_picture, Command(*DRAW_COMMANDS), HasPicture(replied=True))
    return router
