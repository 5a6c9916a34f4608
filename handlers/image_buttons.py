"""The buttons under each picture: "again" and "original file". In a group, whoever presses
acts for themselves: "again" is charged to the presser, like any prompt of theirs."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.delivery.originals import Originals, Sent
from bot.drawing.draw import Drawing
from bot.drawing.outcomes import UnknownTask
from bot.language import texts
from bot.telegram.buttons import ImageAction, ImageButton
from bot.telegram.outbox import Replies
from bot.telegram.sender import Sender
from handlers.drawing import outcome_text, presser_request
from handlers.filters import DataStartsWith, data_prefix
from handlers.replies import answer_callback, reply

# SQLite integers are 64-bit: a larger number from the client would not even bind.
MAX_ROW_ID = 2**63


async def on_image_button(
    query: CallbackQuery,
    callback_data: ImageButton,
    sender: Sender,
    replies: Replies,
    drawing: Drawing,
    originals: Originals,
    i18n: I18n,
) -> None:
    _ = i18n.gettext
    message = query.message if isinstance(query.message, Message) else None
    if message is None or not 0 < callback_data.task_id < MAX_ROW_ID:
        await answer_callback(sender, query, texts.image_unknown(_))
        return
    # The button must sit under its own picture (the services check): forged data reveals nothing.
    if callback_data.action is ImageAction.ORIGINAL:
        # Answered as soon as it is queued: the upload itself goes on in the background.
        sent = await originals.send(
            callback_data.task_id,
            chat_id=message.chat.id,
            reply_to=message.message_id,
            person_id=query.from_user.id,
        )
        notices = {
            Sent.QUEUED: None,
            Sent.GONE: texts.original_gone(_),
            Sent.UNKNOWN: texts.image_unknown(_),
            Sent.TOO_SOON: texts.original_too_soon(_),
        }
        await answer_callback(sender, query, notices[sent])
        return
    outcome = await drawing.again(presser_request(query, message, i18n), callback_data.task_id)
    if isinstance(outcome, UnknownTask):
        await answer_callback(sender, query, texts.image_unknown(_))
        return
    await answer_callback(sender, query, texts.again_started(_))
    text = outcome_text(outcome, i18n, private=message.chat.type == "private")
    if text is not None:
        await reply(replies, message, text, droppable=True)


async def on_unreadable_image_button(query: CallbackQuery, sender: Sender, i18n: I18n) -> None:
    """Data under the picture buttons' prefix that is not one (forged): unknown, at once."""
    await answer_callback(sender, query, texts.image_unknown(i18n.gettext))


def make_router() -> Router:
    router = Router(name="image_buttons")
    router.callback_query.register(on_image_button, ImageButton.filter())
    router.callback_query.register(
        on_unreadable_image_button, DataStartsWith(data_prefix(ImageButton))
    )
    return router
