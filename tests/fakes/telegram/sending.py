"""The bot sending messages: sendMessage, sendPhoto, sendDocument and sendChatAction, with what
they share (text and caption parsing and limits, reply targets, threads, reply markup) and the
``Sent`` record each successful send leaves.
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any, ClassVar

from tests.fakes.telegram.files import (
    DOCUMENT_MAX_BYTES,
    DOCUMENT_URL_MAX_BYTES,
    PHOTO_MAX_BYTES,
    PHOTO_URL_MAX_BYTES,
    check_photo,
)
from tests.fakes.telegram.markup import EntityParseError, strip_formatted
from tests.fakes.telegram.markup_html import parse_html
from tests.fakes.telegram.markup_markdown import parse_markdown_legacy, parse_markdown_v2
from tests.fakes.telegram.protocol import Params, bad
from tests.fakes.telegram.records import JSON, Chat, Sent, StoredMessage
from tests.fakes.telegram.state import TelegramState
from tests.fakes.telegram.users import embed

TEXT_MAX = 4096
CAPTION_MAX = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class SendingMixin(TelegramState):
    """Sending messages, photos, documents and chat actions."""

    _API: ClassVar[dict[str, str]] = {
        "sendMessage": "_send_message",
        "sendPhoto": "_send_photo",
        "sendDocument": "_send_document",
        "sendChatAction": "_send_chat_action",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self.chat_actions: list[tuple[float, int, str]] = []  # (time, chat_id, action)

    def _formatted(self, text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
        mode = (parse_mode or "").lower()
        try:
            if mode == "html":
                plain, entities = parse_html(text, strict_ampersand=self.strict_ampersand)
            elif mode == "markdownv2":
                plain, entities = parse_markdown_v2(text)
            elif mode == "markdown":
                plain, entities = parse_markdown_legacy(text)
            elif mode == "":
                plain, entities = text, []
            else:
                raise bad("unsupported parse_mode")
        except EntityParseError as err:
            raise bad(f"can't parse entities: {err}") from None
        return strip_formatted(plain, entities)

    def _text(self, p: Params) -> tuple[str, list[JSON]]:
        text = p.str_("text")
        if text is None or not text.strip():
            raise bad("message text is empty")
        plain, entities = self._formatted(text, p.str_("parse_mode"))
        if not plain:
            raise bad("message text is empty")
        if len(plain) > TEXT_MAX:
            raise bad("message is too long")
        return plain, entities

    def _caption(self, p: Params) -> tuple[str, list[JSON]] | None:
        caption = p.str_("caption")
        if not caption:
            return None
        plain, entities = self._formatted(caption, p.str_("parse_mode"))
        if len(plain) > CAPTION_MAX:
            raise bad("message caption is too long")
        return plain, entities

    def _reply_markup(self, p: Params) -> Any:
        """The reply_markup as sent: an inline keyboard, a reply keyboard, its removal or a
        ForceReply (``force_reply``, ``input_field_placeholder``, ``selective``).
        """
        if not p.has("reply_markup"):
            return None
        markup = p.values.get("reply_markup")
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise bad("object expected as reply markup")
        rows = markup.get("inline_keyboard")
        if rows is not None:
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise bad('can\'t find field "text"')
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= 64:
                        raise bad("BUTTON_DATA_INVALID")
        for flag in ("force_reply", "selective", "remove_keyboard"):
            if flag in markup and not isinstance(markup[flag], bool):
                raise bad(f'field "{flag}" must be of type Boolean')
        placeholder = markup.get("input_field_placeholder")
        if placeholder is not None and not isinstance(placeholder, str):
            raise bad('field "input_field_placeholder" must be of type String')
        return markup

    def _reply_target(self, chat: Chat, p: Params) -> tuple[int | None, StoredMessage | None]:
        """(requested reply id, message to embed) from reply_parameters or the old fields."""
        reply_id: int | None = None
        allow = p.bool_("allow_sending_without_reply")
        params = p.obj("reply_parameters") if p.has("reply_parameters") else None
        if isinstance(params, dict):
            raw_id = params.get("message_id")
            reply_id = int(raw_id) if raw_id is not None else None
            allow = allow or bool(params.get("allow_sending_without_reply"))
        elif p.has("reply_to_message_id"):
            reply_id = p.int_("reply_to_message_id")
        if reply_id is None:
            return None, None
        stored = self._messages.get(chat.id, {}).get(reply_id)
        if stored is None or stored.deleted:
            if not allow:
                raise bad("message to be replied not found")
            return reply_id, None
        return reply_id, stored

    def _thread(self, chat: Chat, p: Params) -> int | None:
        thread = p.int_("message_thread_id")
        # Supergroups also have reply threads; private chats and basic groups have none.
        if thread is not None and not chat.is_forum and chat.type != "supergroup":
            raise bad("message thread not found")
        return thread

    def _bot_message(self, chat: Chat, thread: int | None, reply: StoredMessage | None) -> JSON:
        msg: JSON = {
            "message_id": self._new_message_id(chat.id),
            "from": dict(self.bot_user),
            "chat": chat.obj(),
            "date": int(time.time()),
        }
        if thread is not None:
            msg["message_thread_id"] = thread
            if chat.is_forum:
                msg["is_topic_message"] = True
        if reply is not None:
            msg["reply_to_message"] = embed(reply.obj)
        return msg

    def _record_sent(
        self, method: str, chat: Chat, msg: JSON, p: Params, reply_id: int | None, **kw: Any
    ) -> JSON:
        markup = kw.pop("reply_markup", None)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Only inline keyboards are part of the Message; reply keyboards are not echoed.
            msg["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        sent = Sent(
            method=method,
            chat_id=chat.id,
            message_id=msg["message_id"],
            at=time.monotonic(),
            parse_mode=p.str_("parse_mode"),
            reply_to_message_id=reply_id,
            message_thread_id=msg.get("message_thread_id"),
            reply_markup=markup,
            params=p.record(),
            message=msg,
            **kw,
        )
        self._messages.setdefault(chat.id, {})[sent.message_id] = StoredMessage(
            obj=msg, from_bot=True, sent=sent
        )
        self.sent.append(sent)
        return copy.deepcopy(msg)

    async def _send_message(self, p: Params) -> Any:
        plain, entities = self._text(p)  # Telegram parses markup before looking at the chat
        chat = self._chat(p)
        self._writable(chat)
        thread = self._thread(chat, p)
        reply_id, reply = self._reply_target(chat, p)
        markup = self._reply_markup(p)
        self._flood(chat)
        msg = self._bot_message(chat, thread, reply)
        msg["text"] = plain
        if entities:
            msg["entities"] = entities
        return self._record_sent(
            "sendMessage",
            chat,
            msg,
            p,
            reply_id,
            text=p.str_("text"),
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
        )

    async def _send_photo(self, p: Params) -> Any:
        caption = self._caption(p)
        chat = self._chat(p)
        self._writable(chat)
        thread = self._thread(chat, p)
        reply_id, reply = self._reply_target(chat, p)
        markup = self._reply_markup(p)
        file = await self._input_file(p, "photo", PHOTO_MAX_BYTES, PHOTO_URL_MAX_BYTES)
        image = check_photo(file.data)
        self._flood(chat)
        msg = self._bot_message(chat, thread, reply)
        again = self._files[file.file_id].sizes if file.file_id else None
        if again is not None:  # sent by file_id: the same photo, the same sizes
            msg["photo"] = copy.deepcopy(again)
        else:
            name, ctype = file.filename or "photo.jpg", file.content_type or ""
            msg["photo"] = self._store_photo_sizes(file.data, name, ctype, image)
        plain = None
        entities: list[JSON] = []
        if caption is not None:
            plain, entities = caption
            msg["caption"] = plain
            if entities:
                msg["caption_entities"] = entities
        return self._record_sent(
            "sendPhoto",
            chat,
            msg,
            p,
            reply_id,
            caption=p.str_("caption"),
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
            file_bytes=file.data,
            filename=file.filename,
            content_type=file.content_type,
            file_source=file.source,
            file_id=msg["photo"][-1]["file_id"],
        )

    async def _send_document(self, p: Params) -> Any:
        caption = self._caption(p)
        chat = self._chat(p)
        self._writable(chat)
        thread = self._thread(chat, p)
        reply_id, reply = self._reply_target(chat, p)
        markup = self._reply_markup(p)
        file = await self._input_file(p, "document", DOCUMENT_MAX_BYTES, DOCUMENT_URL_MAX_BYTES)
        self._flood(chat)
        msg = self._bot_message(chat, thread, reply)
        if file.file_id is not None:  # sent by file_id: the same file
            msg["document"] = self._document_of(file.file_id)
        else:
            msg["document"] = self._document(file.data, file.filename, file.content_type)
        plain = None
        entities: list[JSON] = []
        if caption is not None:
            plain, entities = caption
            msg["caption"] = plain
            if entities:
                msg["caption_entities"] = entities
        return self._record_sent(
            "sendDocument",
            chat,
            msg,
            p,
            reply_id,
            caption=p.str_("caption"),
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
            file_bytes=file.data,
            filename=file.filename,
            content_type=file.content_type,
            file_source=file.source,
            file_id=msg["document"]["file_id"],
        )

    async def _send_chat_action(self, p: Params) -> Any:
        chat = self._chat(p)
        action = p.str_("action") or ""
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self._writable(chat)
        self._thread(chat, p)
        self.chat_actions.append((time.monotonic(), chat.id, action))
        return True
