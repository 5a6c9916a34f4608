"""The buttons under "this model takes no picture": each draws the waiting picture with one
model that takes it, charged to whoever presses (only its sender may: the service checks)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.drawing.outcomes import Accepted, UnknownTask
from bot.drawing.references import FromPictures
from bot.language import texts
from bot.telegram.buttons import PictureModelButton
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from handlers.drawing import presser_request
from handlers.filters import DataStartsWith, data_prefix
from handlers.image_buttons import MAX_ROW_ID
from handlers.pictures import answer
from handlers.replies import answer_callback


async def on_picture_model(
    query: CallbackQuery,
    callback_data: PictureModelButton,
    sender: Sender,
    replies: Replies,
    pictures: FromPictures,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    message = query.message if isinstance(query.message, Message) else None
    if message is None or not 0 < callback_data.waiting < MAX_ROW_ID:
        await answer_callback(sender, query, texts.image_unknown(_))
        return
    request = presser_request(query, message, i18n)
    outcome = await pictures.with_model(request, callback_data.waiting, callback_data.model)
    if isinstance(outcome, UnknownTask):
        await answer_callback(sender, query, texts.image_unknown(_))
        return
    await answer_callback(
        sender, query, texts.again_started(_) if isinstance(outcome, Accepted) else None
    )
    await answer(replies, message, outcome, i18n)


async def on_unreadable_picture_model(query: CallbackQuery, sender: Sender, i18n: I18n) -> None:
    """Data under this prefix that is not one of these buttons (forged): unknown, at once."""
    await answer_callback(sender, query, texts.image_unknown(i18n.gettext))


def make_router() -> Router:
    router = Router(name="picture_buttons")
    router.callback_query.register(on_picture_model, PictureModelButton.filter())
    router.callback_query.register(
        on_unreadable_picture_model, DataStartsWith(data_prefix(PictureModelButton))
    )
    return router
