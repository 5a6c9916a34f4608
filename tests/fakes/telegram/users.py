"""What users do: write messages (text, photos, stickers, voice, replies, anonymous admins and
channels), press inline buttons, and the bot's answers to those presses. In groups with privacy
mode on, only what Telegram would deliver to the bot becomes an update.
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any, ClassVar

from tests.fakes.telegram.files import make_jpeg, unique_id
from tests.fakes.telegram.markup import COMMAND_RE, detect_entities
from tests.fakes.telegram.protocol import Params, bad
from tests.fakes.telegram.records import JSON, Chat, StoredMessage
from tests.fakes.telegram.state import TelegramState

# Service accounts Telegram puts in ``from`` for messages sent on behalf of a chat.
GROUP_ANONYMOUS_BOT: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT: JSON = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}


# Fields that make a message a service message (delivered whatever the privacy mode).
SERVICE_FIELDS = frozenset(
    {
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "group_chat_created",
        "supergroup_chat_created",
        "channel_chat_created",
        "message_auto_delete_timer_changed",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
        "pinned_message",
        "successful_payment",
        "refunded_payment",
        "users_shared",
        "chat_shared",
        "write_access_allowed",
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
        "video_chat_started",
        "video_chat_ended",
    }
)


class UsersMixin(TelegramState):
    """Users' messages and button presses, and answerCallbackQuery."""

    _API: ClassVar[dict[str, str]] = {"answerCallbackQuery": "_answer_callback_query"}

    def _init_state(self) -> None:
        super()._init_state()
        self.callback_answers: list[JSON] = []
        self.not_delivered: list[tuple[int, int]] = []  # pushed but hidden by privacy mode
        self._callbacks: dict[str, JSON] = {}

    def push_message(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        chat_type: str = "private",
        title: str | None = None,
        first_name: str = "User",
        username: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
        caption: str | None = None,
        photo: bool | bytes = False,
        document: bytes | None = None,
        file_name: str = "file.bin",
        sticker: bool = False,
        voice: bool = False,
        sender_chat_id: int | None = None,
        message_thread_id: int | None = None,
        extra: JSON | None = None,
    ) -> int:
        """A user writes in a chat; returns the new message_id.

        ``photo`` may be True (a generated JPEG) or the image bytes, ``document`` the bytes of
        a file named ``file_name``; the bot can fetch them with getFile. In groups with privacy
        mode on the update is only queued when the bot would really get it (see
        ``not_delivered``).
        """
        if chat_id in self._migrated:
            raise ValueError(
                f"chat {chat_id} was upgraded to supergroup {self._migrated[chat_id]}: "
                "users write there now"
            )
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        if chat_type == "private":
            self.add_chat(chat_id, "private", first_name=first_name, username=username)
        else:
            self.add_chat(chat_id, chat_type, title=title, is_forum=message_thread_id is not None)
        chat = self._chats[chat_id]
        mid = self._new_message_id(chat_id)
        msg: JSON = {"message_id": mid, "from": user, "chat": chat.obj(), "date": int(time.time())}
        if sender_chat_id is not None:
            if sender_chat_id == chat_id:
                msg["from"] = dict(GROUP_ANONYMOUS_BOT)
                msg["sender_chat"] = chat.obj()
            else:
                msg["from"] = dict(CHANNEL_BOT)
                msg["sender_chat"] = {
                    "id": sender_chat_id,
                    "type": "channel",
                    "title": f"Channel {abs(sender_chat_id)}",
                }
        if message_thread_id is not None:
            msg["message_thread_id"] = message_thread_id
            msg["is_topic_message"] = True
        replied: StoredMessage | None = None
        if reply_to_message_id is not None:
            replied = self._messages.get(chat_id, {}).get(reply_to_message_id)
            if replied is None or replied.deleted:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            msg["reply_to_message"] = embed(replied.obj)
        if text is not None:
            msg["text"] = text
            entities = detect_entities(text)
            if entities:
                msg["entities"] = entities
        if photo is not False:
            data = photo if isinstance(photo, bytes) else make_jpeg(640, 480)
            msg["photo"] = self._store_photo_sizes(data, "photo.jpg", "image/jpeg")
        if document is not None:
            msg["document"] = self._document(document, file_name, None)
        if sticker:
            msg["sticker"] = {
                "file_id": self._new_file_id("CAACAgIAAxkBAAI"),
                "file_unique_id": unique_id(),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "🙂",
            }
        if voice:
            msg["voice"] = {
                "file_id": self._new_file_id("AwACAgIAAxkBAAI"),
                "file_unique_id": unique_id(),
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": 12345,
            }
        if caption is not None:
            msg["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                msg["caption_entities"] = entities
        if extra:
            msg.update(extra)
        self._messages.setdefault(chat_id, {})[mid] = StoredMessage(obj=msg, from_bot=False)
        if self._delivered_to_bot(chat, msg, replied):
            self.push_update({"message": msg})
        else:
            self.not_delivered.append((chat_id, mid))
        return mid

    def push_callback_query(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """A user presses an inline button under the bot's message; returns the query id."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.deleted:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User"}
        query_id = str(secrets.randbits(62))
        query: JSON = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(stored.obj),
            "chat_instance": str(abs(hash((chat_id, self.bot_id)))),
            "data": data,
        }
        self._callbacks[query_id] = query
        self.push_update({"callback_query": query})
        return query_id

    def _delivered_to_bot(self, chat: Chat, msg: JSON, replied: StoredMessage | None) -> bool:
        if chat.type == "private" or not self.privacy_mode:
            return True
        if self._is_admin(chat.id, self.bot_id):
            return True
        if replied is not None and replied.from_bot:
            return True
        if SERVICE_FIELDS & msg.keys():
            return True  # all service messages reach every bot
        body = msg.get("text") or msg.get("caption") or ""
        m = COMMAND_RE.match(body)
        if m is None:
            return False
        target = m.group().partition("@")[2]
        return not target or target.lower() == self.bot_username.lower()

    async def _answer_callback_query(self, p: Params) -> Any:
        query_id = p.str_("callback_query_id") or ""
        if self._callbacks.pop(query_id, None) is None:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = p.str_("text")
        if text is not None and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        self.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": p.bool_("show_alert"),
                "url": p.str_("url"),
                "cache_time": p.int_("cache_time"),
                "at": time.monotonic(),
            }
        )
        return True


def embed(obj: JSON) -> JSON:
    """The replied-to message as Telegram embeds it: without its own reply_to_message."""
    embedded = copy.deepcopy(obj)
    embedded.pop("reply_to_message", None)
    return embedded
