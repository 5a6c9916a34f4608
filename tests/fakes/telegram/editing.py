"""The bot changing what it sent: editMessageText, editMessageCaption, editMessageReplyMarkup,
deleteMessage and deleteMessages, with Telegram's answers ("message is not modified",
"message to edit not found", "message can't be deleted", ...).
"""

from __future__ import annotations

import contextlib
import copy
import time
from typing import Any, ClassVar

from tests.fakes.telegram.protocol import ApiError, Params, bad
from tests.fakes.telegram.records import JSON, Chat, Edit, StoredMessage
from tests.fakes.telegram.state import TelegramState

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class EditingMixin(TelegramState):
    """Edits and deletes of messages."""

    _API: ClassVar[dict[str, str]] = {
        "editMessageText": "_edit_message_text",
        "editMessageCaption": "_edit_message_caption",
        "editMessageReplyMarkup": "_edit_message_reply_markup",
        "deleteMessage": "_delete_message",
        "deleteMessages": "_delete_messages",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self.deleted: list[tuple[int, int]] = []  # (chat_id, message_id)
        self.edits: list[Edit] = []

    def _stored_for_edit(self, p: Params, verb: str) -> tuple[Chat, StoredMessage]:
        if p.has("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self._chat(p)
        mid = p.int_("message_id")
        if mid is None:
            raise bad("message identifier is not specified")
        stored = self._messages.get(chat.id, {}).get(mid)
        if stored is None or stored.deleted:
            raise bad(f"message to {verb} not found")
        self._writable(chat)
        if verb == "edit" and not stored.from_bot:
            raise bad("message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        chat: Chat,
        stored: StoredMessage,
        p: Params,
        field_name: str | None,
        plain: str | None,
        entities: list[JSON],
        markup: Any,
    ) -> JSON:
        obj = stored.obj
        if field_name is not None and plain is not None:
            entity_key = "entities" if field_name == "text" else "caption_entities"
            obj[field_name] = plain
            obj.pop(entity_key, None)
            if entities:
                obj[entity_key] = entities
        # An edit without reply_markup removes the inline keyboard, as in Telegram.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            obj["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        else:
            obj.pop("reply_markup", None)
        obj["edit_date"] = int(time.time())
        edit = Edit(
            at=time.monotonic(),
            method=p.method,
            chat_id=chat.id,
            message_id=obj["message_id"],
            text=p.str_("text"),
            caption=p.str_("caption"),
            parse_mode=p.str_("parse_mode"),
            plain=plain,
            reply_markup=markup,
            params=p.record(),
        )
        self.edits.append(edit)
        if stored.sent is not None:
            stored.sent.edits.append(edit)
        return copy.deepcopy(obj)

    async def _edit_message_text(self, p: Params) -> Any:
        plain, entities = self._text(p)
        chat, stored = self._stored_for_edit(p, "edit")
        if "text" not in stored.obj:
            raise bad("there is no text in the message to edit")
        markup = self._reply_markup(p)
        if (
            stored.obj.get("text") == plain
            and stored.obj.get("entities", []) == entities
            and inline_keyboard(stored.obj.get("reply_markup")) == inline_keyboard(markup)
        ):
            raise bad(NOT_MODIFIED)
        self._flood(chat)
        return self._apply_edit(chat, stored, p, "text", plain, entities, markup)

    async def _edit_message_caption(self, p: Params) -> Any:
        caption = self._caption(p)
        chat, stored = self._stored_for_edit(p, "edit")
        if "text" in stored.obj:
            raise bad("there is no caption in the message to edit")
        plain, entities = caption if caption is not None else ("", [])
        markup = self._reply_markup(p)
        if (
            stored.obj.get("caption", "") == plain
            and stored.obj.get("caption_entities", []) == entities
            and inline_keyboard(stored.obj.get("reply_markup")) == inline_keyboard(markup)
        ):
            raise bad(NOT_MODIFIED)
        self._flood(chat)
        if not plain:
            stored.obj.pop("caption", None)
            stored.obj.pop("caption_entities", None)
        return self._apply_edit(
            chat, stored, p, "caption" if plain else None, plain, entities, markup
        )

    async def _edit_message_reply_markup(self, p: Params) -> Any:
        chat, stored = self._stored_for_edit(p, "edit")
        markup = self._reply_markup(p)
        if inline_keyboard(stored.obj.get("reply_markup")) == inline_keyboard(markup):
            raise bad(NOT_MODIFIED)
        return self._apply_edit(chat, stored, p, None, None, [], markup)

    def _delete_one(self, chat: Chat, mid: int) -> None:
        stored = self._messages.get(chat.id, {}).get(mid)
        if stored is None or stored.deleted:
            raise bad("message to delete not found")
        # Bots delete their own messages anywhere, users' messages only in private chats
        # or as group admins.
        if (
            not stored.from_bot
            and chat.type != "private"
            and not self._is_admin(chat.id, self.bot_id)
        ):
            raise bad("message can't be deleted")
        stored.deleted = True
        if stored.sent is not None:
            stored.sent.deleted = True
        self.deleted.append((chat.id, mid))

    async def _delete_message(self, p: Params) -> Any:
        chat = self._chat(p)
        mid = p.int_("message_id")
        if mid is None:
            raise bad("message identifier is not specified")
        self._writable(chat)
        self._delete_one(chat, mid)
        return True

    async def _delete_messages(self, p: Params) -> Any:
        chat = self._chat(p)
        ids = p.obj("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad("message identifiers are not specified")
        self._writable(chat)
        for mid in ids:
            with contextlib.suppress(ApiError):  # Telegram skips the ones it can't delete
                self._delete_one(chat, int(mid))
        return True


def inline_keyboard(markup: Any) -> Any:
    return markup.get("inline_keyboard") if isinstance(markup, dict) else None
