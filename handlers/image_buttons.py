"""The buttons under each picture: "again", "original file" and (with a public URL) "edit". In a
group, whoever presses acts for themselves: "again" and an edit are charged to the presser, like
any prompt of theirs."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, ForceReply, Message
from aiogram.utils.i18n import I18n

from bot.delivery.originals import Originals, Sent
from bot.drawing.draw import Drawing
from bot.drawing.outcomes import UnknownTask
from bot.drawing.references import FromPictures
from bot.language import picture_texts, texts
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
    pictures: FromPictures,
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
    if callback_data.action is ImageAction.EDIT:
        await _ask_edit(query, callback_data.task_id, message, sender, replies, pictures, i18n)
        return
    outcome = await drawing.again(presser_request(query, message, i18n), callback_data.task_id)
    if isinstance(outcome, UnknownTask):
        await answer_callback(sender, query, texts.image_unknown(_))
        return
    await answer_callback(sender, query, texts.again_started(_))
    text = outcome_text(outcome, i18n, private=message.chat.type == "private")
    if text is not None:
        await reply(replies, message, text, droppable=True)


async def _ask_edit(
    query: CallbackQuery,
    task_id: int,
    message: Message,
    sender: Sender,
    replies: Replies,
    pictures: FromPictures,
    i18n: I18n,
) -> None:
    """Edit: the question "what should change?", naming the picture; its answer draws it."""
    _ = i18n.gettext
    asked = await pictures.ask_edit(presser_request(query, message, i18n), task_id)
    if isinstance(asked, UnknownTask):
        await answer_callback(sender, query, texts.image_unknown(_))
        return
    await answer_callback(sender, query, picture_texts.edit_asked(_))
    in_group = message.chat.type != "private"
    # In a group the question names the presser and opens a reply on their client alone.
    asker = (query.from_user.id, query.from_user.first_name) if in_group else None
    question = picture_texts.edit_question(_, asked.task_id, asker=asker)
    placeholder = picture_texts.edit_placeholder(_)
    markup = ForceReply(
        force_reply=True, input_field_placeholder=placeholder, selective=in_group or None
    )
    await reply(replies, message, question, markup=markup)


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
